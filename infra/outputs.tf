output "static_ips" {
  description = "The two addresses every call to Kite leaves from: register [0] as the primary and [1] as the secondary IP on the Kite developer console (your app's IP whitelist)."
  value       = module.network.static_ips
}

output "api_endpoint" {
  description = "Base URL of the HTTP API, for the mobile app."
  value       = module.http_api.endpoint
}

output "feed_worker_repository_url" {
  description = "ECR repository to push the feed worker image to."
  value       = module.registry.repository_url
}

output "broker_key_secret_arn" {
  description = "Secret to put the broker data key into (README, The broker key)."
  value       = module.secrets.broker_key_secret_arn
}

output "broker_kms_key_alias" {
  description = "KMS key to generate the broker data key under."
  value       = module.kms.broker_key_alias
}

output "database_master_secret_arn" {
  description = "RDS-managed secret with the master user's password."
  value       = module.database.master_user_secret_arn
}

output "database_address" {
  description = "Host name of RDS (reachable only from inside the VPC)."
  value       = module.database.address
}

output "redis_endpoint" {
  description = "Primary endpoint of ElastiCache (reachable only from inside the VPC)."
  value       = module.cache.primary_endpoint
}

output "orders_queue_url" {
  description = "URL of the order queue (<project>-<environment>-orders.fifo)."
  value       = module.queue.orders_queue_url
}

output "ledger_table_name" {
  description = "DynamoDB idempotency ledger."
  value       = module.ledger.table_name
}

output "schedule_group_name" {
  description = "EventBridge Scheduler group of the strategies' timers."
  value       = module.scheduler.group_name
}

output "api_function_name" {
  description = "Name of the api Lambda."
  value       = module.functions.api_function_name
}

output "executor_function_name" {
  description = "Name of the executor Lambda."
  value       = module.functions.executor_function_name
}

output "feed_worker_cluster" {
  description = "ECS cluster of the feed worker (for `aws ecs update-service --force-new-deployment`)."
  value       = module.feed_worker.cluster_name
}

output "feed_worker_service" {
  description = "ECS service of the feed worker."
  value       = module.feed_worker.service_name
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms: subscribe pagers or chat here."
  value       = module.alarms.topic_arn
}
