output "api_function_name" {
  description = "Name of the api Lambda."
  value       = aws_lambda_function.api.function_name
}

output "api_invoke_arn" {
  description = "Invoke ARN of the api Lambda, for API Gateway."
  value       = aws_lambda_function.api.invoke_arn
}

output "executor_function_name" {
  description = "Name of the executor Lambda."
  value       = aws_lambda_function.executor.function_name
}

output "security_group_id" {
  description = "Security group of the Lambdas (allowed into RDS and Redis)."
  value       = aws_security_group.lambda.id
}

output "maintenance_schedule_group" {
  description = "Schedule group of the sweep."
  value       = aws_scheduler_schedule_group.maintenance.name
}
