output "orders_queue_arn" {
  description = "ARN of the order queue."
  value       = aws_sqs_queue.orders.arn
}

output "orders_queue_url" {
  description = "URL of the order queue (ALGO_ORDERS_QUEUE_URL)."
  value       = aws_sqs_queue.orders.url
}

output "orders_queue_name" {
  description = "Name of the order queue."
  value       = aws_sqs_queue.orders.name
}

output "orders_dlq_name" {
  description = "Name of the order queue's dead-letter queue."
  value       = aws_sqs_queue.orders_dlq.name
}
