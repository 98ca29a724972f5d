# The feed worker on ECS Fargate: one task, during market hours (below), watching Kite's ticker for stop-losses
# and putting STOPLOSS events on orders.fifo. It runs in the private subnets (so it reaches Kite
# from the NAT's static IP) and answers GET /health on port 8081, which the container health
# check polls; ECS replaces a task that fails it. Its ticker token is the trader's login of the
# day, read from Postgres (broker_keys) every few seconds.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  health_port = 8081
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.name

  # Plain settings. Setting ALGO_ORDERS_QUEUE_URL is what puts feed-worker/src/main.rs in the
  # AWS profile (SQS queue, real secrets required).
  environment = {
    ALGO_CALENDAR         = "nse"
    ALGO_ORDERS_QUEUE_URL = var.orders_queue_url
    ALGO_KITE_API_KEY     = var.kite_api_key
    ALGO_BROKER_KEY_ID    = var.broker_key_id
    ALGO_FEED_HEALTH_PORT = tostring(local.health_port)
    AWS_REGION            = local.region
    RUST_LOG              = var.log_level

    # Host, port and database only, as for the Lambdas: the code fetches the user and password
    # from the RDS-managed secret at start (crates/store/src/aws/secrets.rs), with the task role.
    DATABASE_URL        = format("postgres://%s:%d/%s?sslmode=require", var.database.address, var.database.port, var.database.name)
    DATABASE_SECRET_ARN = var.database_secret_arn
    # One task, a few loops: it needs no more connections than a Lambda instance.
    ALGO_DATABASE_POOL_SIZE = tostring(var.db_pool_size)
  }

  # Injected by ECS from Secrets Manager when the task starts (the execution role reads them);
  # the values never pass through Terraform. The broker key opens the stored Kite sessions;
  # Config::from_env in the AWS profile requires the JWT secret though the worker does not use it.
  secrets = {
    REDIS_URL       = "${var.secret_arns.redis}:url::"
    ALGO_JWT_SECRET = var.secret_arns.jwt
    ALGO_BROKER_KEY = var.secret_arns.broker_key
  }

  container = {
    name                   = "feed-worker"
    image                  = var.image
    essential              = true
    readonlyRootFilesystem = true
    user                   = "65532:65532"
    stopTimeout            = 20
    portMappings           = [{ containerPort = 8081, protocol = "tcp" }]
    environment            = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    secrets                = [for k in sort(keys(local.secrets)) : { name = k, valueFrom = local.secrets[k] }]
    # busybox's wget is in the image for this (feed-worker/Dockerfile): distroless has no shell.
    healthCheck = {
      command     = ["CMD", "/usr/local/bin/busybox", "wget", "-q", "-T", "3", "-O", "/dev/null", "http://127.0.0.1:8081/health"]
      interval    = 15
      timeout     = 5
      retries     = 4
      startPeriod = 60
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "feed-worker"
      }
    }
  }
}

resource "aws_ecs_cluster" "this" {
  #checkov:skip=CKV_AWS_65:Container Insights is the container_insights variable, on by default (the feed-worker-not-running alarm reads its RunningTaskCount).
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (default 90 days): operational logs kept short for cost and data minimisation.
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# Execution role: ECS pulls the image, writes the logs and injects the secrets with it.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  description        = "ECS agent for the feed worker: image pull, logs, secrets injection."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "InjectSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.secret_arns.redis, var.secret_arns.jwt, var.secret_arns.broker_key]
  }

  statement {
    sid       = "DecryptInjectedSecrets"
    actions   = ["kms:Decrypt"]
    resources = var.secret_kms_key_arns

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "${var.name}-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Task role: what the feed worker's own code calls.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  description        = "feed worker code: STOPLOSS events onto orders.fifo."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "task" {
  # SqsQueue::push.
  statement {
    sid       = "QueueStopLossEvents"
    actions   = ["sqs:SendMessage"]
    resources = [var.orders_queue_arn]
  }

  # SecretsManager::value at start: the database credentials (DATABASE_SECRET_ARN).
  statement {
    sid       = "ReadTheDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database_secret_arn]
  }

  statement {
    sid       = "DecryptTheDatabaseSecret"
    actions   = ["kms:Decrypt"]
    resources = [var.database_secret_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "${var.name}-task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([local.container])
}

resource "aws_ecs_service" "this" {
  name            = var.name
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.this.arn
  # At creation; then the market-hours schedule below owns it (ignore_changes).
  desired_count    = 1
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  # A deployment starts the new task before stopping the old one, so stop-losses stay watched
  # (two watchers for a moment are harmless: the ledger lets one exit through).
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  enable_execute_command = false
  propagate_tags         = "SERVICE"

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  lifecycle {
    ignore_changes = [desired_count]
  }
}

# --- market hours -------------------------------------------------------------------------------
# Stop-losses need watching only while the market is open, so unless always_on the service runs
# one task Monday to Friday during weekday_hours (IST) and none after, plus each special session
# (Muhurat on a weekend evening, a budget Saturday) of the calendar file, from 30 minutes before
# to 30 minutes after. A holiday still runs the weekday hours: it costs cents, and the calendar
# stays the one place that knows holidays. Application Auto Scaling sets the desired count.

locals {
  # `YYYY-MM-DD session HH:MM:SS-HH:MM:SS ...` lines (crates/core/data/calendar.txt's format).
  calendar_sessions = regexall("(?m)^([0-9]{4}-[0-9]{2}-[0-9]{2}) session ([0-9]{2}:[0-9]{2}:[0-9]{2})-([0-9]{2}:[0-9]{2}:[0-9]{2})", var.calendar_text)

  special_sessions = {
    for m in local.calendar_sessions : m[0] => {
      start = timeadd("${m[0]}T${m[1]}+05:30", "-30m")
      stop  = timeadd("${m[0]}T${m[2]}+05:30", "30m")
    }
  }

  # Only actions still ahead: past ones are history, and Auto Scaling would refuse them.
  session_starts = var.always_on ? {} : { for d, w in local.special_sessions : d => w.start if timecmp(w.start, plantimestamp()) > 0 }
  session_stops  = var.always_on ? {} : { for d, w in local.special_sessions : d => w.stop if timecmp(w.stop, plantimestamp()) > 0 }

  weekday_start = split(":", var.weekday_hours.start)
  weekday_stop  = split(":", var.weekday_hours.stop)
}

resource "aws_appautoscaling_target" "this" {
  count = var.always_on ? 0 : 1

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 0
  max_capacity       = 1
}

resource "aws_appautoscaling_scheduled_action" "weekday_start" {
  count = var.always_on ? 0 : 1

  name               = "${var.name}-weekday-start"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  schedule           = "cron(${tonumber(local.weekday_start[1])} ${tonumber(local.weekday_start[0])} ? * MON-FRI *)"
  timezone           = "Asia/Kolkata"

  scalable_target_action {
    min_capacity = 1
    max_capacity = 1
  }
}

resource "aws_appautoscaling_scheduled_action" "weekday_stop" {
  count = var.always_on ? 0 : 1

  name               = "${var.name}-weekday-stop"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  schedule           = "cron(${tonumber(local.weekday_stop[1])} ${tonumber(local.weekday_stop[0])} ? * MON-FRI *)"
  timezone           = "Asia/Kolkata"

  scalable_target_action {
    min_capacity = 0
    max_capacity = 0
  }
}

resource "aws_appautoscaling_scheduled_action" "session_start" {
  for_each = local.session_starts

  name               = "${var.name}-session-${each.key}-start"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  schedule           = "at(${formatdate("YYYY-MM-DD'T'hh:mm:ss", each.value)})"
  timezone           = "Asia/Kolkata"

  scalable_target_action {
    min_capacity = 1
    max_capacity = 1
  }
}

resource "aws_appautoscaling_scheduled_action" "session_stop" {
  for_each = local.session_stops

  name               = "${var.name}-session-${each.key}-stop"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  schedule           = "at(${formatdate("YYYY-MM-DD'T'hh:mm:ss", each.value)})"
  timezone           = "Asia/Kolkata"

  scalable_target_action {
    min_capacity = 0
    max_capacity = 0
  }
}

resource "aws_security_group" "this" {
  name        = var.name
  description = "feed worker task: HTTPS/WSS out (Kite ticker, SQS, ECR), Redis inside the VPC"
  vpc_id      = var.vpc_id

  egress {
    description = "HTTPS and WSS to Kite Connect and AWS APIs through the NAT gateway"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "Redis (ElastiCache)"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  # The group's own description stays as it was: changing it replaces the group.
  egress {
    description = "Postgres (RDS): the stored Kite sessions"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  tags = { Name = var.name }
}
