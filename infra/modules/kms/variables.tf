variable "name" {
  description = "Name prefix of the keys' aliases."
  type        = string
}

variable "deletion_window_days" {
  description = "Days a scheduled key deletion waits (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_days >= 7 && var.deletion_window_days <= 30
    error_message = "deletion_window_days must be between 7 and 30."
  }
}
