variable "name" {
  description = "Identifier of the instance and prefix of its companions."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets, in at least two zones."
  type        = list(string)
}

variable "vpc_id" {
  description = "VPC of the security group."
  type        = string
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect (Postgres port 5432)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for storage, the master-password secret, Performance Insights and logs."
  type        = string
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL version (major or major.minor)."
  type        = string
}

variable "allocated_storage" {
  description = "Initial storage (GiB)."
  type        = number
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling (GiB)."
  type        = number
}

variable "multi_az" {
  description = "Run a standby in a second zone."
  type        = bool
}

variable "backup_retention_days" {
  description = "Days of automated backups."
  type        = number
}

variable "deletion_protection" {
  description = "Refuse deletion."
  type        = bool
}

variable "performance_insights_enabled" {
  description = "Turn on Performance Insights."
  type        = bool
}

variable "password_rotation_days" {
  description = "Days between rotations of the managed master password."
  type        = number
}

variable "log_retention_days" {
  description = "Retention of the exported Postgres logs."
  type        = number
}

variable "db_name" {
  description = "Database the application uses."
  type        = string
  default     = "algo"
}

variable "username" {
  description = "Master user name."
  type        = string
  default     = "algo"
}
