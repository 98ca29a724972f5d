output "primary_endpoint" {
  description = "Primary endpoint host name."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "node_ids" {
  description = "Cache cluster ids of the nodes (CloudWatch dimension CacheClusterId)."
  value       = local.node_ids
}

output "secret_arn" {
  description = "Secret with the AUTH token and REDIS_URL (JSON keys auth_token, url)."
  value       = aws_secretsmanager_secret.redis.arn
}

