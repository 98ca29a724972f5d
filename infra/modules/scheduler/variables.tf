variable "name" {
  description = "Name prefix of the group, role and dead-letter queue."
  type        = string
}

variable "orders_queue_arn" {
  description = "ARN of orders.fifo, the schedules' target."
  type        = string
}
