output "endpoint" {
  description = "Base URL of the API."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "api_id" {
  description = "Id of the HTTP API (CloudWatch dimension ApiId)."
  value       = aws_apigatewayv2_api.this.id
}
