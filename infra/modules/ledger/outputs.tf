output "table_name" {
  description = "Name of the ledger table."
  value       = aws_dynamodb_table.ledger.name
}

output "table_arn" {
  description = "ARN of the ledger table."
  value       = aws_dynamodb_table.ledger.arn
}
