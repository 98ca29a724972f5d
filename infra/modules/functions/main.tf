# The two Lambdas of the AWS profile, built by scripts/package (cargo lambda, arm64):
# - api: functions/api behind API Gateway (modules/http_api);
# - executor: functions/executor on orders.fifo, reporting partial batch failures.
# Both run in the private subnets, so every call to Kite leaves through the NAT gateway's
# Elastic IP. Their roles grant exactly the AWS calls the code makes
# (crates/store/src/aws/*.rs); infra/tests/test_consistency.py checks that.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

# --- secrets -----------------------------------------------------------------------------------
# No secret value is in the functions' configuration (or read into the Terraform state here):
# each cold start fetches them from Secrets Manager by the *_SECRET_ARN variables below
# (crates/store/src/aws/secrets.rs), so a rotated database password reaches the next cold start
# without an apply. DATABASE_URL names host, port and database only; the RDS-managed secret
# supplies the user and password. No Kite access token is configured: the instrument list and
# the orders use the trader's login of the day, stored sealed in Postgres.

locals {
  # Every name in AWS_PROFILE_ENV (crates/app/src/config.rs) must be here.
  environment = {
    # Config::from_env
    DATABASE_URL       = format("postgres://%s:%d/%s?sslmode=require", var.database.address, var.database.port, var.database.name)
    ALGO_CALENDAR      = "nse"
    ALGO_BROKER_KEY_ID = var.broker_key_id
    ALGO_KITE_API_KEY  = var.kite_api_key
    ALGO_CORS_ORIGINS  = join(",", var.cors_origins)
    # Optional: empty is unset for Config::from_env.
    ALGO_ALGO_ID = var.algo_id == null ? "" : var.algo_id
    # Connections per instance: many small instances, each with one or two (README, "Database
    # connections").
    ALGO_DATABASE_POOL_SIZE = tostring(var.db_pool_size)

    # AwsSettings::from_env
    ALGO_SCHEDULE_GROUP     = var.schedule_group_name
    ALGO_ORDERS_QUEUE_URL   = var.orders_queue_url
    ALGO_ORDERS_QUEUE_ARN   = var.orders_queue_arn
    ALGO_SCHEDULER_ROLE_ARN = var.scheduler_role_arn
    ALGO_SCHEDULER_DLQ_ARN  = var.scheduler_dlq_arn
    ALGO_LEDGER_TABLE       = var.ledger_table_name

    # The secrets, fetched at cold start: DATABASE_URL's credentials, REDIS_URL, ALGO_JWT_SECRET,
    # ALGO_BROKER_KEY.
    DATABASE_SECRET_ARN        = var.secret_arns.database
    REDIS_SECRET_ARN           = var.secret_arns.redis
    ALGO_JWT_SECRET_ARN        = var.secret_arns.jwt
    ALGO_BROKER_KEY_SECRET_ARN = var.secret_arns.broker_key

    RUST_LOG = var.log_level
  }

  secret_arns = sort(values(var.secret_arns))

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # The AWS managed policy for Lambdas in a VPC: CloudWatch Logs and the ENI calls.
  vpc_execution_policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# Both functions fetch the secrets at cold start: SecretsManager::value
# (crates/store/src/aws/secrets.rs), and the keys the secrets are encrypted with.
data "aws_iam_policy_document" "read_secrets" {
  statement {
    sid       = "ReadTheSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.secret_arns
  }

  statement {
    sid       = "DecryptTheSecrets"
    actions   = ["kms:Decrypt"]
    resources = var.secret_kms_key_arns

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

# --- api ----------------------------------------------------------------------------------------

resource "aws_iam_role" "api" {
  name               = "${var.name}-api"
  description        = "api Lambda: strategy timers in EventBridge Scheduler, manual exits onto orders.fifo."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy_attachment" "api_vpc" {
  role       = aws_iam_role.api.name
  policy_arn = local.vpc_execution_policy_arn
}

data "aws_iam_policy_document" "api" {
  source_policy_documents = [data.aws_iam_policy_document.read_secrets.json]

  # EventBridgeScheduler::arm / disarm.
  statement {
    sid       = "StrategyTimers"
    actions   = ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"]
    resources = ["arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule/${var.schedule_group_name}/*"]
  }

  # The schedules' target names the scheduler role; handing it over needs PassRole.
  statement {
    sid       = "PassTheSchedulerRole"
    actions   = ["iam:PassRole"]
    resources = [var.scheduler_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["scheduler.amazonaws.com"]
    }
  }

  # SqsQueue::push: POST /strategy/stop with exit_position queues a manual exit.
  statement {
    sid       = "QueueManualExits"
    actions   = ["sqs:SendMessage"]
    resources = [var.orders_queue_arn]
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "${var.name}-api"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

resource "aws_cloudwatch_log_group" "api" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (default 90 days): operational logs kept short for cost and data minimisation.
  name              = "/aws/lambda/${var.name}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "api" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway; a dead-letter queue only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_272:Artifacts come from scripts/package in CI; no AWS Signer profile is set up (see README).
  #checkov:skip=CKV_AWS_50:The Rust binaries are not instrumented for X-Ray; their JSON logs carry request ids.
  function_name = "${var.name}-api"
  description   = "HTTP API: the app's axum Router through lambda_http."
  role          = aws_iam_role.api.arn

  filename         = "${var.package_dir}/api/bootstrap.zip"
  source_code_hash = filebase64sha256("${var.package_dir}/api/bootstrap.zip")
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]

  memory_size = var.api_memory_mb
  timeout     = var.api_timeout_seconds
  # -1: no reservation (a new account's quota of 10 cannot reserve any; var.reserve_concurrency).
  reserved_concurrent_executions = var.reserve_concurrency ? var.api_max_concurrency : -1
  kms_key_arn                    = var.kms_key_arn

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.lambda.id]
  }

  environment {
    variables = local.environment
  }

  depends_on = [aws_iam_role_policy_attachment.api_vpc, aws_cloudwatch_log_group.api]
}

# --- the sweep --------------------------------------------------------------------------------
# Every minute the executor runs one sweep (crates/app/src/sweep.rs): the runtime cache rebuilt
# when it is gone, orders not final followed to their final status, missed triggers queued (a
# short day's early exit included), and the notification outbox sent. Its own schedule group
# and role: the role may only invoke the executor.

resource "aws_scheduler_schedule_group" "maintenance" {
  name = "${var.name}-maintenance"
}

data "aws_iam_policy_document" "sweep_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_scheduler_schedule_group.maintenance.arn]
    }
  }
}

resource "aws_iam_role" "sweep" {
  name               = "${var.name}-sweep"
  description        = "Assumed by the sweep's schedule to invoke the executor Lambda."
  assume_role_policy = data.aws_iam_policy_document.sweep_assume.json
}

data "aws_iam_policy_document" "sweep" {
  statement {
    sid       = "InvokeTheExecutor"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.executor.arn]
  }
}

resource "aws_iam_role_policy" "sweep" {
  name   = "${var.name}-sweep"
  role   = aws_iam_role.sweep.id
  policy = data.aws_iam_policy_document.sweep.json
}

resource "aws_scheduler_schedule" "sweep" {
  #checkov:skip=CKV_AWS_297:The schedule's only data is its constant input {"sweep":{}}; there is nothing for a customer key to protect.
  name        = "${var.name}-sweep"
  group_name  = aws_scheduler_schedule_group.maintenance.name
  description = "One sweep a minute: cache, reconciler, missed triggers, notifications."

  schedule_expression = "rate(1 minute)"
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.executor.arn
    role_arn = aws_iam_role.sweep.arn
    input    = jsonencode({ sweep = {} })

    # A sweep that cannot be delivered is replaced by the next minute's.
    retry_policy {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 60
    }
  }
}

# --- executor -----------------------------------------------------------------------------------

resource "aws_iam_role" "executor" {
  name               = "${var.name}-executor"
  description        = "executor Lambda: the idempotency ledger in DynamoDB, orders.fifo as its event source."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy_attachment" "executor_vpc" {
  role       = aws_iam_role.executor.name
  policy_arn = local.vpc_execution_policy_arn
}

data "aws_iam_policy_document" "executor" {
  source_policy_documents = [data.aws_iam_policy_document.read_secrets.json]

  # DynamoLedger: claim, complete, release, get.
  statement {
    sid       = "IdempotencyLedger"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [var.ledger_table_arn]
  }

  # What Lambda's SQS event source mapping calls with the function's role; a failed record's
  # visibility cut to a short back-off (functions/executor/src/lib.rs); the sweep's missed
  # triggers put on the queue (SqsQueue::push).
  statement {
    sid       = "OrdersEventSource"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility", "sqs:SendMessage"]
    resources = [var.orders_queue_arn]
  }
}

resource "aws_iam_role_policy" "executor" {
  name   = "${var.name}-executor"
  role   = aws_iam_role.executor.id
  policy = data.aws_iam_policy_document.executor.json
}

resource "aws_cloudwatch_log_group" "executor" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (default 90 days): operational logs kept short for cost and data minimisation.
  name              = "/aws/lambda/${var.name}-executor"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "executor" {
  #checkov:skip=CKV_AWS_116:Invoked by the SQS event source; failed messages go to orders.fifo's own dead-letter queue (maxReceiveCount 5), which is alarmed.
  #checkov:skip=CKV_AWS_272:Artifacts come from scripts/package in CI; no AWS Signer profile is set up (see README).
  #checkov:skip=CKV_AWS_50:The Rust binaries are not instrumented for X-Ray; their JSON logs carry message ids.
  function_name = "${var.name}-executor"
  description   = "Order executor: one order event -> at most one broker order."
  role          = aws_iam_role.executor.arn

  filename         = "${var.package_dir}/executor/bootstrap.zip"
  source_code_hash = filebase64sha256("${var.package_dir}/executor/bootstrap.zip")
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]

  memory_size = var.executor_memory_mb
  timeout     = var.executor_timeout_seconds
  # The queue's batches plus one for the sweep, so a minute's sweep is never throttled by a
  # burst of orders (and the event source never by the sweep).
  reserved_concurrent_executions = var.reserve_concurrency ? var.executor_max_concurrency + 1 : -1
  kms_key_arn                    = var.kms_key_arn

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.lambda.id]
  }

  environment {
    variables = local.environment
  }

  depends_on = [aws_iam_role_policy_attachment.executor_vpc, aws_cloudwatch_log_group.executor]
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn        = var.orders_queue_arn
  function_name           = aws_lambda_function.executor.arn
  batch_size              = var.executor_batch_size
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.executor_max_concurrency
  }

  depends_on = [aws_iam_role_policy.executor]
}

# --- network --------------------------------------------------------------------------------------

resource "aws_security_group" "lambda" {
  name        = "${var.name}-lambda"
  description = "api and executor Lambdas: HTTPS out (Kite, AWS APIs), Postgres and Redis inside the VPC"
  vpc_id      = var.vpc_id

  egress {
    description = "HTTPS to Kite Connect and AWS APIs through the NAT gateway"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "Postgres (RDS)"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  egress {
    description = "Redis (ElastiCache)"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  tags = { Name = "${var.name}-lambda" }
}
