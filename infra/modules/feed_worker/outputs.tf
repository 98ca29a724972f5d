output "cluster_name" {
  description = "ECS cluster of the feed worker."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "ECS service of the feed worker."
  value       = aws_ecs_service.this.name
}

output "security_group_id" {
  description = "Security group of the task (allowed into Redis and Postgres)."
  value       = aws_security_group.this.id
}
