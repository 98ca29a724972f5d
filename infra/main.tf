# The AWS profile of the trading backend (docs: infra/README.md, docs/architecture.md).
#
#   network ── NAT gateway + Elastic IP: the static IP registered with Kite
#   kms, secrets, registry ── keys, application secrets, the feed worker's image repository
#   database (RDS Postgres), cache (ElastiCache Redis)
#   queue (orders.fifo + DLQ), ledger (DynamoDB), scheduler (group, role, DLQ)
#   functions (api + executor Lambdas), http_api (API Gateway), feed_worker (ECS Fargate)
#   alarms (SNS topic + CloudWatch alarms)

locals {
  name = "${var.project}-${var.environment}"

  # Relative package paths are relative to infra/, where terraform runs.
  lambda_package_dir = startswith(var.lambda_package_dir, "/") ? var.lambda_package_dir : "${path.root}/${var.lambda_package_dir}"
}

module "network" {
  source = "./modules/network"

  name               = local.name
  cidr               = var.vpc_cidr
  az_count           = var.az_count
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

  api_memory_mb            = var.api_memory_mb
  api_timeout_seconds      = var.api_timeout_seconds
  api_reserved_concurrency = var.api_reserved_concurrency

  executor_memory_mb            = var.executor_memory_mb
  executor_timeout_seconds      = var.executor_timeout_seconds
  executor_reserved_concurrency = var.executor_reserved_concurrency
  executor_batch_size           = var.executor_batch_size

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
  orders_dlq_name        = module.queue.orders_dlq_name
  scheduler_dlq_name     = module.scheduler.dlq_name
  executor_function_name = module.functions.executor_function_name
  api_id                 = module.http_api.api_id
  container_insights     = var.container_insights
  ecs_cluster_name       = module.feed_worker.cluster_name
  ecs_cluster_arn        = module.feed_worker.cluster_arn
  ecs_service_name       = module.feed_worker.service_name
  redis_node_ids         = module.cache.node_ids
  db_instance_identifier = module.database.identifier
}
