# What wakes someone up: orders waiting too long or given up on (the queue's oldest message, the
# dead letters), Lambda errors and throttles (api and executor), timers Scheduler could not
# deliver, the ledger throttled, the feed worker not running when it should or failing its
# health check, a NAT instance failing its status check, Redis down or busy, RDS short of
# connections or disk, API 5xx. Everything goes to one SNS topic (encrypted with the platform
# key) and its required e-mail subscription. infra/tests/test_consistency.py checks the set.

data "aws_caller_identity" "current" {}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "FeedWorkerHealthEventsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.feed_worker_unhealthy.arn]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  actions = [aws_sns_topic.alarms.arn]
}

# --- queues -------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each = {
    orders    = var.orders_dlq_name
    scheduler = var.scheduler_dlq_name
  }

  alarm_name          = "${var.name}-${each.key}-dead-letters"
  alarm_description   = "Messages in ${each.value}: an order event or a timer fire was given up on. Inspect, fix, then redrive or purge."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# Timers fire up to two minutes early and the executor holds its batch until the order second,
# so a message may be a few minutes old; older means orders are late (executor failing,
# throttled, or not consuming).
resource "aws_cloudwatch_metric_alarm" "orders_oldest_message" {
  alarm_name          = "${var.name}-orders-oldest-message"
  alarm_description   = "An order event has waited in ${var.orders_queue_name} for over ${var.orders_max_age_seconds} s: orders are late. Check the executor's errors and throttles."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = var.orders_queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.orders_max_age_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# --- Scheduler ----------------------------------------------------------------------------------
# A strategy timer that fails to reach the queue is a missed order unless the sweep catches it;
# a dropped or undeliverable dead letter leaves no trace at all. The sweep retries itself every
# minute, so only several dropped sweeps in a row alarm.

resource "aws_cloudwatch_metric_alarm" "scheduler_delivery" {
  for_each = {
    strategies-target-errors      = { group = var.strategies_schedule_group, metric = "TargetErrorCount", threshold = 0 }
    strategies-dropped            = { group = var.strategies_schedule_group, metric = "InvocationDroppedCount", threshold = 0 }
    strategies-dead-letter-failed = { group = var.strategies_schedule_group, metric = "InvocationsFailedToBeSentToDeadLetterCount", threshold = 0 }
    sweep-dropped                 = { group = var.maintenance_schedule_group, metric = "InvocationDroppedCount", threshold = 2 }
  }

  alarm_name          = "${var.name}-scheduler-${each.key}"
  alarm_description   = "EventBridge Scheduler group ${each.value.group}: ${each.value.metric} above ${each.value.threshold} in 5 minutes (a timer or sweep did not reach its target)."
  namespace           = "AWS/Scheduler"
  metric_name         = each.value.metric
  dimensions          = { ScheduleGroup = each.value.group }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# --- Lambda -------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "executor_errors" {
  alarm_name          = "${var.name}-executor-errors"
  alarm_description   = "The executor Lambda failed (start-up, panic or timeout), not just reported a record for retry."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = var.executor_function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "api_errors" {
  alarm_name          = "${var.name}-api-errors"
  alarm_description   = "The api Lambda failed (start-up, panic or timeout), not just answered an error."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = var.api_function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# A throttled executor delays orders (the queue keeps them); a throttled api answers 429. Both
# mean the account's quota or the concurrency settings are too small (README, "Concurrency").
resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each = {
    api      = var.api_function_name
    executor = var.executor_function_name
  }

  alarm_name          = "${var.name}-${each.key}-throttles"
  alarm_description   = "The ${each.key} Lambda (${each.value}) was throttled: concurrency quota or limits too small."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "The HTTP API answered 5xx more than 5 times in 5 minutes."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = var.api_id, Stage = "$default" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# --- feed worker --------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "feed_worker_not_running" {
  # Desired and running task counts come from Container Insights. Comparing the two keeps the
  # alarm quiet outside market hours, when the schedule sets the desired count to 0.
  count = var.container_insights ? 1 : 0

  alarm_name          = "${var.name}-feed-worker-not-running"
  alarm_description   = "The feed worker should run but no task has for 3 minutes: stop-losses are not watched."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "missing"
    expression  = "FILL(desired, 0) - FILL(running, 0)"
    label       = "tasks desired but not running"
    return_data = true
  }

  metric_query {
    id = "desired"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id = "running"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
      stat        = "Maximum"
      period      = 60
    }
  }
}

# ECS stops a task whose container fails its health check (/health answers 503 when the ticker
# is down or silent with a live session; waiting for the day's login answers 200, since a new
# task would wait too) and starts another; say so each time.
resource "aws_cloudwatch_event_rule" "feed_worker_unhealthy" {
  name        = "${var.name}-feed-worker-unhealthy"
  description = "A feed worker task was stopped for failing its /health check."

  event_pattern = jsonencode({
    source      = ["aws.ecs"]
    detail-type = ["ECS Task State Change"]
    detail = {
      clusterArn    = [var.ecs_cluster_arn]
      lastStatus    = ["STOPPED"]
      stoppedReason = [{ prefix = "Task failed container health checks" }]
    }
  })
}

resource "aws_cloudwatch_event_target" "feed_worker_unhealthy" {
  rule = aws_cloudwatch_event_rule.feed_worker_unhealthy.name
  arn  = aws_sns_topic.alarms.arn
}

# --- NAT instances --------------------------------------------------------------------------------
# EC2 recovers a failed host by itself (same interface, same Elastic IP); a failing instance
# check (the OS) needs a reboot or a replacement, and meanwhile that zone's orders fail.

resource "aws_cloudwatch_metric_alarm" "nat_status" {
  for_each = { for i, id in var.nat_instance_ids : tostring(i) => id }

  alarm_name          = "${var.name}-nat-${each.key}-status"
  alarm_description   = "NAT instance ${each.value} (static IP ${each.key == "0" ? "primary" : "secondary"}) fails its status checks: its zone cannot reach Kite. README, \"A NAT is down\"."
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed"
  dimensions          = { InstanceId = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# --- DynamoDB ledger -------------------------------------------------------------------------------
# On demand rarely throttles, but a throttled claim delays an order (the record is retried).

resource "aws_cloudwatch_metric_alarm" "ledger_throttles" {
  for_each = toset(["ReadThrottleEvents", "WriteThrottleEvents"])

  alarm_name          = "${var.name}-ledger-${lower(replace(each.key, "ThrottleEvents", ""))}-throttles"
  alarm_description   = "The idempotency ledger ${var.ledger_table_name} throttled ${each.key == "ReadThrottleEvents" ? "reads" : "writes"}: orders are delayed."
  namespace           = "AWS/DynamoDB"
  metric_name         = each.key
  dimensions          = { TableName = var.ledger_table_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# --- Redis ---------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "redis_down" {
  for_each = toset(var.redis_node_ids)

  alarm_name          = "${var.name}-redis-down-${each.key}"
  alarm_description   = "Redis node ${each.key} has reported no metrics for 3 minutes."
  namespace           = "AWS/ElastiCache"
  metric_name         = "EngineCPUUtilization"
  dimensions          = { CacheClusterId = each.key }
  statistic           = "SampleCount"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "redis_cpu" {
  for_each = toset(var.redis_node_ids)

  alarm_name          = "${var.name}-redis-cpu-${each.key}"
  alarm_description   = "Redis node ${each.key}: engine CPU above 80% for 10 minutes."
  namespace           = "AWS/ElastiCache"
  metric_name         = "EngineCPUUtilization"
  dimensions          = { CacheClusterId = each.key }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  treat_missing_data  = "missing"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "redis_memory" {
  for_each = toset(var.redis_node_ids)

  alarm_name          = "${var.name}-redis-memory-${each.key}"
  alarm_description   = "Redis node ${each.key}: more than 80% of its memory used."
  namespace           = "AWS/ElastiCache"
  metric_name         = "DatabaseMemoryUsagePercentage"
  dimensions          = { CacheClusterId = each.key }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  treat_missing_data  = "missing"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# --- Postgres -----------------------------------------------------------------------------------

# A new Lambda instance that cannot connect fails its start: alarm well before the limit.
resource "aws_cloudwatch_metric_alarm" "db_connections" {
  alarm_name          = "${var.name}-db-connections"
  alarm_description   = "RDS holds more than ${var.db_connections_threshold} connections (80% of what the instance class accepts): Lambda concurrency x ALGO_DATABASE_POOL_SIZE is outgrowing it. README, \"Database connections\"."
  namespace           = "AWS/RDS"
  metric_name         = "DatabaseConnections"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.db_connections_threshold
  treat_missing_data  = "missing"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "db_storage" {
  alarm_name          = "${var.name}-db-free-storage"
  alarm_description   = "RDS has less than 2 GiB free (storage autoscaling may be at its ceiling)."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 2147483648
  treat_missing_data  = "missing"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}
