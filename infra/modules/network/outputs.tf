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

output "static_ips" {
  description = "The two Elastic IPs every call to Kite leaves from: [0] primary (zone a), [1] secondary (zone b)."
  value       = aws_eip.nat[*].public_ip
}

output "nat_instance_ids" {
  description = "The NAT instances (empty with NAT gateways), for the status-check alarms."
  value       = aws_instance.nat[*].id
}

output "nat_gateway_ids" {
  description = "The NAT gateways (empty with NAT instances)."
  value       = aws_nat_gateway.this[*].id
}
