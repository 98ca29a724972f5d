output "topic_arn" {
  description = "SNS topic of every alarm."
  value       = aws_sns_topic.alarms.arn
}
