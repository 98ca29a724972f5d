# The AWS profile of the trading backend (docs: infra/README.md, docs/architecture.md).
#
#   network ── two NATs (fck-nat instances or NAT gateways), each with an Elastic IP: the primary
#              and secondary static IPs registered with Kite
#   kms, secrets, registry ── keys, application secrets, the feed worker's image repository
#   database (RDS Postgres), cache (ElastiCache Redis)
#   queue (<name>-orders.fifo + DLQ), ledger (DynamoDB), scheduler (group, role, DLQ)
#   functions (api + executor Lambdas), http_api (API Gateway), feed_worker (ECS Fargate)
#   alarms (SNS topic + CloudWatch alarms)

locals {
  name = "${var.project}-${var.environment}"

  # Relative package paths are relative to infra/, where terraform runs.
  lambda_package_dir = startswith(var.lambda_package_dir, "/") ? var.lambda_package_dir : "${path.root}/${var.lambda_package_dir}"
  calendar_file      = startswith(var.calendar_file, "/") ? var.calendar_file : "${path.root}/${var.calendar_file}"

  # RDS PostgreSQL's default max_connections, LEAST(DBInstanceClassMemory/9531392, 5000), as
  # the classes report it (approximate: `SHOW max_connections` is the truth).
  db_default_max_connections = {
    "db.t4g.micro"  = 81
    "db.t4g.small"  = 189
    "db.t4g.medium" = 410
    "db.t4g.large"  = 823
  }
  db_max_connections = coalesce(var.db_max_connections, lookup(local.db_default_max_connections, var.db_instance_class, 81))

  # The most connections the configuration can open: every Lambda instance it allows (the api,
  # the executor's batches and the sweep) and the feed worker, each with a full pool, plus three
  # for an operator's psql and the deploy's migration.
  db_connection_budget = (var.api_max_concurrency + var.executor_max_concurrency + 1 + 1) * var.db_pool_size + 3
}

# Refuses, at plan time, a configuration that could exhaust Postgres.
resource "terraform_data" "db_connection_budget" {
  input = local.db_connection_budget

  lifecycle {
    precondition {
      condition     = local.db_connection_budget <= floor(local.db_max_connections * 0.8)
      error_message = "(api_max_concurrency + executor_max_concurrency + 2) x db_pool_size + 3 exceeds 80% of the database's max_connections: lower them or take a larger db_instance_class."
    }
  }
}

module "network" {
  source = "./modules/network"

  name               = local.name
  cidr               = var.vpc_cidr
  az_count           = var.az_count
  nat                = var.nat
  nat_instance_type  = var.nat_instance_type
  nat_ami_id         = var.nat_ami_id
  kms_key_arn        = module.kms.platform_key_arn
  log_retention_days = var.log_retention_days
}

module "kms" {
  source = "./modules/kms"

  name = local.name
}

module "secrets" {
  source = "./modules/secrets"

  name                 = local.name
  kms_key_arn          = module.kms.platform_key_arn
  broker_kms_key_arn   = module.kms.broker_key_arn
  recovery_window_days = var.secret_recovery_window_days
}

module "registry" {
  source = "./modules/registry"

  name        = local.name
  kms_key_arn = module.kms.platform_key_arn
}

module "database" {
  source = "./modules/database"

  name                         = local.name
  subnet_ids                   = module.network.private_subnet_ids
  vpc_id                       = module.network.vpc_id
  client_security_group_ids    = [module.functions.security_group_id, module.feed_worker.security_group_id]
  kms_key_arn                  = module.kms.platform_key_arn
  instance_class               = var.db_instance_class
  engine_version               = var.db_engine_version
  allocated_storage            = var.db_allocated_storage
  max_allocated_storage        = var.db_max_allocated_storage
  multi_az                     = var.db_multi_az
  backup_retention_days        = var.db_backup_retention_days
  deletion_protection          = var.db_deletion_protection
  performance_insights_enabled = var.db_performance_insights
  password_rotation_days       = var.db_password_rotation_days
  log_retention_days           = var.log_retention_days
}

module "cache" {
  source = "./modules/cache"

  name                      = local.name
  subnet_ids                = module.network.private_subnet_ids
  vpc_id                    = module.network.vpc_id
  client_security_group_ids = [module.functions.security_group_id, module.feed_worker.security_group_id]
  kms_key_arn               = module.kms.platform_key_arn
  node_type                 = var.redis_node_type
  engine_version            = var.redis_engine_version
  num_cache_clusters        = var.redis_num_cache_clusters
  snapshot_retention_days   = var.redis_snapshot_retention_days
  log_retention_days        = var.log_retention_days
  recovery_window_days      = var.secret_recovery_window_days
}

module "queue" {
  source = "./modules/queue"

  name                     = local.name
  consumer_timeout_seconds = var.executor_timeout_seconds
}

module "ledger" {
  source = "./modules/ledger"

  name                = local.name
  deletion_protection = var.db_deletion_protection
}

module "scheduler" {
  source = "./modules/scheduler"

  name             = local.name
  orders_queue_arn = module.queue.orders_queue_arn
}

module "functions" {
  source = "./modules/functions"

  name               = local.name
  package_dir        = local.lambda_package_dir
  subnet_ids         = module.network.private_subnet_ids
  vpc_id             = module.network.vpc_id
  vpc_cidr           = module.network.vpc_cidr
  kms_key_arn        = module.kms.platform_key_arn
  log_retention_days = var.log_retention_days
  log_level          = var.log_level

  api_memory_mb       = var.api_memory_mb
  api_timeout_seconds = var.api_timeout_seconds
  reserve_concurrency = var.reserve_concurrency
  api_max_concurrency = var.api_max_concurrency
  db_pool_size        = var.db_pool_size

  executor_memory_mb       = var.executor_memory_mb
  executor_timeout_seconds = var.executor_timeout_seconds
  executor_max_concurrency = var.executor_max_concurrency
  executor_batch_size      = var.executor_batch_size

  orders_queue_arn    = module.queue.orders_queue_arn
  orders_queue_url    = module.queue.orders_queue_url
  ledger_table_name   = module.ledger.table_name
  ledger_table_arn    = module.ledger.table_arn
  schedule_group_name = module.scheduler.group_name
  scheduler_role_arn  = module.scheduler.role_arn
  scheduler_dlq_arn   = module.scheduler.dlq_arn

  database = {
    address = module.database.address
    port    = module.database.port
    name    = module.database.db_name
  }

  secret_arns = {
    database   = module.database.master_user_secret_arn
    redis      = module.cache.secret_arn
    jwt        = module.secrets.jwt_secret_arn
    broker_key = module.secrets.broker_key_secret_arn
  }

  secret_kms_key_arns = [module.kms.platform_key_arn, module.kms.broker_key_arn]

  broker_key_id = var.broker_key_id
  kite_api_key  = var.kite_api_key
  algo_id       = var.algo_id
  cors_origins  = var.cors_origins
}

module "http_api" {
  source = "./modules/http_api"

  name                 = "${local.name}-api"
  lambda_function_name = module.functions.api_function_name
  lambda_invoke_arn    = module.functions.api_invoke_arn
  throttle_rate_limit  = var.api_throttle_rate_limit
  throttle_burst_limit = var.api_throttle_burst_limit
  kms_key_arn          = module.kms.platform_key_arn
  log_retention_days   = var.log_retention_days
}

module "feed_worker" {
  source = "./modules/feed_worker"

  name               = "${local.name}-feed-worker"
  image              = var.feed_worker_image
  cpu                = var.feed_worker_cpu
  memory             = var.feed_worker_memory
  cpu_architecture   = var.feed_worker_cpu_architecture
  container_insights = var.container_insights
  subnet_ids         = module.network.private_subnet_ids
  vpc_id             = module.network.vpc_id
  vpc_cidr           = module.network.vpc_cidr
  kms_key_arn        = module.kms.platform_key_arn
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  orders_queue_arn   = module.queue.orders_queue_arn
  orders_queue_url   = module.queue.orders_queue_url
  kite_api_key       = var.kite_api_key
  broker_key_id      = var.broker_key_id
  db_pool_size       = var.db_pool_size
  always_on          = var.feed_worker_always_on
  weekday_hours      = var.feed_worker_weekday_hours
  calendar_text      = file(local.calendar_file)

  database = {
    address = module.database.address
    port    = module.database.port
    name    = module.database.db_name
  }
  database_secret_arn         = module.database.master_user_secret_arn
  database_secret_kms_key_arn = module.kms.platform_key_arn

  secret_arns = {
    redis      = module.cache.secret_arn
    jwt        = module.secrets.jwt_secret_arn
    broker_key = module.secrets.broker_key_secret_arn
  }
  secret_kms_key_arns = [module.kms.platform_key_arn, module.kms.broker_key_arn]
}

module "alarms" {
  source = "./modules/alarms"

  name                   = local.name
  kms_key_arn            = module.kms.platform_key_arn
  alarm_email            = var.alarm_email
  orders_queue_name      = module.queue.orders_queue_name
  orders_dlq_name        = module.queue.orders_dlq_name
  scheduler_dlq_name     = module.scheduler.dlq_name
  executor_function_name = module.functions.executor_function_name
  api_function_name      = module.functions.api_function_name
  api_id                 = module.http_api.api_id
  container_insights     = var.container_insights
  ecs_cluster_name       = module.feed_worker.cluster_name
  ecs_cluster_arn        = module.feed_worker.cluster_arn
  ecs_service_name       = module.feed_worker.service_name
  redis_node_ids         = module.cache.node_ids
  db_instance_identifier = module.database.identifier

  strategies_schedule_group  = module.scheduler.group_name
  maintenance_schedule_group = module.functions.maintenance_schedule_group
  ledger_table_name          = module.ledger.table_name
  nat_instance_ids           = module.network.nat_instance_ids
  db_connections_threshold   = floor(local.db_max_connections * 0.8)
}
