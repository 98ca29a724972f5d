variable "name" {
  description = "Replication group id (at most 40 characters) and prefix of its companions."
  type        = string

  validation {
    condition     = length(var.name) <= 36
    error_message = "name must leave room for the -001 node suffix (at most 36 characters)."
  }
}

variable "subnet_ids" {
  description = "Private subnets."
  type        = list(string)
}

variable "vpc_id" {
  description = "VPC of the security group."
  type        = string
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect (Redis port 6379)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for data at rest, the secret and the slow log."
  type        = string
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "engine_version" {
  description = "Redis OSS version (major.minor)."
  type        = string
}

variable "num_cache_clusters" {
  description = "Nodes (1 = primary only)."
  type        = number
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots."
  type        = number
}

variable "log_retention_days" {
  description = "Retention of the slow log."
  type        = number
}

variable "recovery_window_days" {
  description = "Days a deleted secret can be restored."
  type        = number
}
