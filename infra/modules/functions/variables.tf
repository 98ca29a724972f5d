variable "name" {
  description = "Name prefix of the functions, roles and log groups."
  type        = string
}

variable "package_dir" {
  description = "Directory with api/bootstrap.zip and executor/bootstrap.zip (arm64)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the functions run in."
  type        = list(string)
}

variable "vpc_id" {
  description = "VPC of the functions' security group."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's range, where Postgres and Redis are."
  type        = string
}

variable "kms_key_arn" {
  description = "Platform KMS key: environment variables and log groups."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups."
  type        = number
}

variable "log_level" {
  description = "RUST_LOG."
  type        = string
}

variable "api_memory_mb" {
  description = "Memory of the api function."
  type        = number
}

variable "api_timeout_seconds" {
  description = "Timeout of the api function."
  type        = number
}

variable "reserve_concurrency" {
  description = "Reserve concurrency for both functions (needs an account quota of at least 100 more than the reservations)."
  type        = bool
}

variable "api_max_concurrency" {
  description = "Reserved concurrency of the api function when reserve_concurrency is true."
  type        = number
}

variable "db_pool_size" {
  description = "ALGO_DATABASE_POOL_SIZE: Postgres connections per instance."
  type        = number
}

variable "executor_memory_mb" {
  description = "Memory of the executor function."
  type        = number
}

variable "executor_timeout_seconds" {
  description = "Timeout of the executor function."
  type        = number
}

variable "executor_max_concurrency" {
  description = "Maximum concurrency of the orders event source; the executor reserves one more when reserve_concurrency is true."
  type        = number
}

variable "executor_batch_size" {
  description = "Messages per executor invocation."
  type        = number
}

variable "orders_queue_arn" {
  description = "ARN of orders.fifo."
  type        = string
}

variable "orders_queue_url" {
  description = "URL of orders.fifo."
  type        = string
}

variable "ledger_table_name" {
  description = "Name of the DynamoDB ledger table."
  type        = string
}

variable "ledger_table_arn" {
  description = "ARN of the DynamoDB ledger table."
  type        = string
}

variable "schedule_group_name" {
  description = "EventBridge Scheduler group of the strategies' timers."
  type        = string
}

variable "scheduler_role_arn" {
  description = "Role the schedules assume."
  type        = string
}

variable "scheduler_dlq_arn" {
  description = "Dead-letter queue of the schedules."
  type        = string
}

variable "database" {
  description = "Where Postgres is: host name, port and database name."
  type = object({
    address = string
    port    = number
    name    = string
  })
}

variable "secret_arns" {
  description = "Secrets Manager ARNs: database (RDS-managed JSON username/password), redis (JSON auth_token/url), jwt, broker_key."
  type = object({
    database   = string
    redis      = string
    jwt        = string
    broker_key = string
  })
}

variable "secret_kms_key_arns" {
  description = "KMS keys the secrets in secret_arns are encrypted with (kms:Decrypt through Secrets Manager only)."
  type        = list(string)
}

variable "broker_key_id" {
  description = "ALGO_BROKER_KEY_ID."
  type        = string
}

variable "kite_api_key" {
  description = "ALGO_KITE_API_KEY."
  type        = string
}

variable "cors_origins" {
  description = "ALGO_CORS_ORIGINS, as a list."
  type        = list(string)
}

variable "algo_id" {
  description = "ALGO_ALGO_ID, or null for none."
  type        = string
  default     = null
}
