variable "name" {
  description = "Name prefix of the queues (<name>-orders.fifo, <name>-orders-dlq.fifo)."
  type        = string

  validation {
    condition     = length(var.name) <= 59
    error_message = "name must leave room for -orders-dlq.fifo within SQS's 80 characters."
  }
}

variable "consumer_timeout_seconds" {
  description = "Timeout of the Lambda consuming the queue (the executor); the visibility timeout is 6x this."
  type        = number
}

variable "message_retention_seconds" {
  description = "How long an unconsumed order event is kept."
  type        = number
  default     = 86400

  validation {
    condition     = var.message_retention_seconds >= 3600 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between one hour and 14 days."
  }
}
