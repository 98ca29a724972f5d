variable "name" {
  description = "Name of the API and prefix of its log group."
  type        = string
}

variable "lambda_function_name" {
  description = "Name of the api Lambda."
  type        = string
}

variable "lambda_invoke_arn" {
  description = "Invoke ARN of the api Lambda."
  type        = string
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second."
  type        = number
}

variable "throttle_burst_limit" {
  description = "Burst of requests."
  type        = number
}

variable "kms_key_arn" {
  description = "KMS key of the access-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the access log."
  type        = number
}
