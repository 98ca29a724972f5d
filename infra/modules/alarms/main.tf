# What wakes someone up: dead letters, executor errors, the feed worker not running or failing
# its health check, Redis down or busy, RDS running out of disk, API 5xx. Everything goes to one
# SNS topic (encrypted with the platform key).

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
  count = var.alarm_email == null ? 0 : 1

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

# --- executor -----------------------------------------------------------------------------------

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
  # RunningTaskCount comes from Container Insights.
  count = var.container_insights ? 1 : 0

  alarm_name          = "${var.name}-feed-worker-not-running"
  alarm_description   = "No feed worker task has run for 3 minutes: stop-losses are not watched."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
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
