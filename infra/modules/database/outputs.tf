output "address" {
  description = "Host name of the instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the instance."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Database name."
  value       = aws_db_instance.this.db_name
}

output "identifier" {
  description = "Instance identifier (CloudWatch dimension DBInstanceIdentifier)."
  value       = aws_db_instance.this.identifier
}

output "master_user_secret_arn" {
  description = "RDS-managed secret with the master user name and password (JSON)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}
