output "group_name" {
  description = "Schedule group of the strategies' timers (ALGO_SCHEDULE_GROUP)."
  value       = aws_scheduler_schedule_group.strategies.name
}

output "role_arn" {
  description = "Role the schedules assume (ALGO_SCHEDULER_ROLE_ARN)."
  value       = aws_iam_role.scheduler.arn
}

output "dlq_arn" {
  description = "Dead-letter queue of undeliverable timer fires (ALGO_SCHEDULER_DLQ_ARN)."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_name" {
  description = "Name of the scheduler's dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}
