output "repository_url" {
  description = "URL to tag and push the feed worker image to."
  value       = aws_ecr_repository.feed_worker.repository_url
}
