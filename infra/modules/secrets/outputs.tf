output "jwt_secret_arn" {
  description = "Secret holding ALGO_JWT_SECRET."
  value       = aws_secretsmanager_secret.jwt.arn
}

output "broker_key_secret_arn" {
  description = "Secret holding ALGO_BROKER_KEY (put by the operator)."
  value       = aws_secretsmanager_secret.broker_key.arn
}

