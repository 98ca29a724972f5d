variable "name" {
  description = "Name of the cluster, service and task family, and prefix of the roles."
  type        = string
}

variable "image" {
  description = "Container image with tag or digest."
  type        = string
}

variable "cpu" {
  description = "Fargate CPU units."
  type        = number
}

variable "memory" {
  description = "Fargate memory (MiB)."
  type        = number
}

variable "cpu_architecture" {
  description = "ARM64 or X86_64, matching the image."
  type        = string
}

variable "container_insights" {
  description = "Turn on Container Insights for the cluster."
  type        = bool
}

variable "subnet_ids" {
  description = "Private subnets of the task."
  type        = list(string)
}

variable "vpc_id" {
  description = "VPC of the task's security group."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's range, where Redis is."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the log group."
  type        = number
}

variable "log_level" {
  description = "RUST_LOG."
  type        = string
}

variable "orders_queue_arn" {
  description = "ARN of orders.fifo."
  type        = string
}

variable "orders_queue_url" {
  description = "URL of orders.fifo (ALGO_ORDERS_QUEUE_URL)."
  type        = string
}

variable "kite_api_key" {
  description = "ALGO_KITE_API_KEY."
  type        = string
}

variable "broker_key_id" {
  description = "ALGO_BROKER_KEY_ID: the label the stored Kite sessions are sealed under (the Lambdas' value)."
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

variable "database_secret_arn" {
  description = "RDS-managed secret (JSON username/password) the code reads the database credentials from (DATABASE_SECRET_ARN)."
  type        = string
}

variable "database_secret_kms_key_arn" {
  description = "KMS key the database secret is encrypted with."
  type        = string
}

variable "secret_arns" {
  description = "Secrets injected into the container: redis (JSON with url), jwt, broker_key."
  type = object({
    redis      = string
    jwt        = string
    broker_key = string
  })
}

variable "secret_kms_key_arns" {
  description = "KMS keys the injected secrets are encrypted with."
  type        = list(string)
}

variable "db_pool_size" {
  description = "ALGO_DATABASE_POOL_SIZE: Postgres connections the task may hold."
  type        = number
}

variable "always_on" {
  description = "Run one task around the clock instead of during market hours."
  type        = bool
}

variable "weekday_hours" {
  description = "IST start and stop (HH:MM) of the weekday task."
  type        = object({ start = string, stop = string })
}

variable "calendar_text" {
  description = "The trading calendar's text; its session lines add special sessions."
  type        = string
}
