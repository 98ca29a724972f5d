variable "name" {
  description = "Name prefix of the secrets."
  type        = string
}

variable "kms_key_arn" {
  description = "Platform KMS key (JWT secret)."
  type        = string
}

variable "broker_kms_key_arn" {
  description = "The broker KMS key, which encrypts the broker-key secret."
  type        = string
}

variable "recovery_window_days" {
  description = "Days a deleted secret can be restored."
  type        = number
}
