variable "name" {
  description = "Name prefix of the topic, alarms and rule."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the SNS topic."
  type        = string
}

variable "alarm_email" {
  description = "Address subscribed to the topic (required)."
  type        = string
}

variable "orders_dlq_name" {
  description = "Name of orders.fifo's dead-letter queue."
  type        = string
}

variable "scheduler_dlq_name" {
  description = "Name of the scheduler's dead-letter queue."
  type        = string
}

variable "executor_function_name" {
  description = "Name of the executor Lambda."
  type        = string
}

variable "api_id" {
  description = "Id of the HTTP API."
  type        = string
}

variable "ecs_cluster_name" {
  description = "ECS cluster of the feed worker."
  type        = string
}

variable "ecs_cluster_arn" {
  description = "ARN of that cluster."
  type        = string
}

variable "container_insights" {
  description = "Whether the feed worker's cluster has Container Insights (the running-task alarm needs it)."
  type        = bool
}

variable "ecs_service_name" {
  description = "ECS service of the feed worker."
  type        = string
}

variable "redis_node_ids" {
  description = "Cache cluster ids of the Redis nodes."
  type        = list(string)
}

variable "db_instance_identifier" {
  description = "RDS instance identifier."
  type        = string
}

variable "orders_queue_name" {
  description = "Name of the order queue."
  type        = string
}

variable "orders_max_age_seconds" {
  description = "Age of the oldest order event above which orders are late."
  type        = number
  default     = 300
}

variable "strategies_schedule_group" {
  description = "Schedule group of the strategies' timers."
  type        = string
}

variable "maintenance_schedule_group" {
  description = "Schedule group of the sweep."
  type        = string
}

variable "api_function_name" {
  description = "Name of the api Lambda."
  type        = string
}

variable "ledger_table_name" {
  description = "DynamoDB idempotency ledger."
  type        = string
}

variable "nat_instance_ids" {
  description = "NAT instances to watch (empty with NAT gateways)."
  type        = list(string)
}

variable "db_connections_threshold" {
  description = "RDS connections above which to alarm."
  type        = number
}
