output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "The VPC's IPv4 range."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets (Lambdas, RDS, ElastiCache, the feed worker)."
  value       = aws_subnet.private[*].id
}

output "nat_public_ip" {
  description = "The NAT gateway's Elastic IP: every call to Kite leaves from this address."
  value       = aws_eip.nat.public_ip
}
