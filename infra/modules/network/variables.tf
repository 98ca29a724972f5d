variable "name" {
  description = "Name prefix of the network's resources."
  type        = string
}

variable "cidr" {
  description = "The VPC's IPv4 range (/16 to /20)."
  type        = string
}

variable "az_count" {
  description = "Availability zones for the subnets (2 or 3)."
  type        = number
}

variable "kms_key_arn" {
  description = "KMS key encrypting the flow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the flow-log group."
  type        = number
}

variable "nat" {
  description = "instance (two fck-nat instances) or gateway (two managed NAT gateways)."
  type        = string
}

variable "nat_instance_type" {
  description = "EC2 type of the NAT instances (Graviton: the arm64 fck-nat AMI)."
  type        = string
}

variable "nat_ami_id" {
  description = "A fixed NAT AMI, or null for the newest fck-nat AMI at creation."
  type        = string
  default     = null
}
