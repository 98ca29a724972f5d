output "platform_key_arn" {
  description = "ARN of the platform key."
  value       = aws_kms_key.platform.arn
}

output "broker_key_arn" {
  description = "ARN of the key that wraps the broker-key data key."
  value       = aws_kms_key.broker.arn
}

output "broker_key_alias" {
  description = "Alias of the broker key, for `aws kms generate-data-key --key-id`."
  value       = aws_kms_alias.broker.name
}
