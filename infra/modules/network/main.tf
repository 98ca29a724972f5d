# VPC with public subnets (only the two NATs live there) and private subnets (Lambdas, RDS,
# ElastiCache, the feed worker). Kite takes a primary and a secondary static IP, so there are two
# NATs in two zones, each with its own Elastic IP: the private subnet of zone a leaves through
# NAT a (the primary IP), zone b through NAT b (the secondary), a third zone through NAT a. One
# zone's trouble stops only the orders of Lambda instances in that zone; FIFO redelivery retries
# them, and README "A NAT is down" says how to point its route table at the other NAT.
#
# The NATs are fck-nat instances on t4g.nano (var.nat = "instance", ~$4 a month each) or managed
# NAT gateways (var.nat = "gateway", ~$41 each): README "Cost at rest" says what each trades.

# A closed set of zones (a, b, c exist in ap-south-1 and most regions): a zone AWS adds later
# never moves the subnets.
data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "zone-name"
    values = [for suffix in ["a", "b", "c"] : "${data.aws_region.current.name}${suffix}"]
  }
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  # Kite registers two IPs, so two NATs, whatever the number of zones.
  nat_count     = 2
  use_instances = var.nat == "instance"
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

# The default security group allows nothing, so nothing lands in it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-default-unused" }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = var.name }
}

resource "aws_subnet" "public" {
  count = var.az_count

  vpc_id                  = aws_vpc.this.id
  availability_zone       = local.azs[count.index]
  cidr_block              = cidrsubnet(var.cidr, 8, count.index)
  map_public_ip_on_launch = false

  tags = { Name = "${var.name}-public-${local.azs[count.index]}", Tier = "public" }
}

resource "aws_subnet" "private" {
  count = var.az_count

  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr, 4, count.index + 1)

  tags = { Name = "${var.name}-private-${local.azs[count.index]}", Tier = "private" }
}

# The static egress addresses, registered on the Kite app: [0] primary, [1] secondary.
resource "aws_eip" "nat" {
  #checkov:skip=CKV2_AWS_19:Each address is attached to its NAT: aws_eip_association.nat (instances) or aws_nat_gateway.this (gateways).
  count = local.nat_count

  domain = "vpc"

  tags = { Name = "${var.name}-nat-${local.azs[count.index]}", Purpose = "Kite Connect static IP ${count.index == 0 ? "primary" : "secondary"}" }

  lifecycle {
    # Losing an address means registering a new one with Kite (at most once a week): destroy
    # it only on purpose.
    prevent_destroy = true
  }
}

# The single address of earlier versions becomes the primary: it stays registered.
moved {
  from = aws_eip.nat
  to   = aws_eip.nat[0]
}

resource "aws_nat_gateway" "this" {
  count = local.use_instances ? 0 : local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = { Name = "${var.name}-${local.azs[count.index]}" }

  depends_on = [aws_internet_gateway.this]
}

moved {
  from = aws_nat_gateway.this
  to   = aws_nat_gateway.this[0]
}

# --- NAT instances (fck-nat: Amazon Linux 2023 with IP forwarding and masquerading) -----------

data "aws_ami" "fck_nat" {
  count = local.use_instances && var.nat_ami_id == null ? 1 : 0

  most_recent = true
  owners      = ["568608671756"] # the fck-nat project's AMI account (fck-nat.dev)

  filter {
    name   = "name"
    values = ["fck-nat-al2023-hvm-*"]
  }

  filter {
    name   = "architecture"
    values = ["arm64"]
  }
}

resource "aws_security_group" "nat" {
  count = local.use_instances ? 1 : 0

  name        = "${var.name}-nat"
  description = "NAT instances: HTTPS from inside the VPC, out to the internet"
  vpc_id      = aws_vpc.this.id

  # HTTPS is all the Lambdas and the feed worker send out (their own groups allow nothing else).
  ingress {
    description = "HTTPS to forward, from the private subnets"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }

  egress {
    description = "Forwarded HTTPS and WSS to Kite and AWS APIs; the instance's own updates"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = { Name = "${var.name}-nat" }
}

resource "aws_instance" "nat" {
  #checkov:skip=CKV2_AWS_41:fck-nat without its HA mode calls no AWS API, so the instance has no role; patching is a replacement with a newer AMI (README, "NAT instances").
  #checkov:skip=CKV_AWS_126:Detailed monitoring costs more than the instance; the 5-minute metrics and the status-check alarm are enough for a NAT.
  #checkov:skip=CKV_AWS_88:A NAT needs a public address: it is the Elastic IP registered with Kite.
  count = local.use_instances ? local.nat_count : 0

  ami                    = var.nat_ami_id != null ? var.nat_ami_id : data.aws_ami.fck_nat[0].id
  instance_type          = var.nat_instance_type
  subnet_id              = aws_subnet.public[count.index].id
  vpc_security_group_ids = [aws_security_group.nat[0].id]
  source_dest_check      = false
  ebs_optimized          = true
  monitoring             = false

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  root_block_device {
    # The account's EBS key: the NAT's disk holds no data of ours.
    encrypted   = true
    volume_type = "gp3"
  }

  # A failed host brings the instance back with the same interface, so the same Elastic IP.
  maintenance_options {
    auto_recovery = "default"
  }

  tags = { Name = "${var.name}-nat-${local.azs[count.index]}" }

  lifecycle {
    # A newer fck-nat AMI replaces the instance (a minute without that zone's NAT) only when
    # someone sets nat_ami_id or taints it, never as a side effect of an unrelated apply.
    ignore_changes = [ami]
  }
}

resource "aws_eip_association" "nat" {
  count = local.use_instances ? local.nat_count : 0

  allocation_id = aws_eip.nat[count.index].id
  instance_id   = aws_instance.nat[count.index].id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }

  tags = { Name = "${var.name}-public" }
}

resource "aws_route_table_association" "public" {
  count = var.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# One route table per zone: zone i leaves through NAT i % 2.
resource "aws_route_table" "private" {
  count = var.az_count

  vpc_id = aws_vpc.this.id

  route {
    cidr_block           = "0.0.0.0/0"
    nat_gateway_id       = local.use_instances ? null : aws_nat_gateway.this[count.index % local.nat_count].id
    network_interface_id = local.use_instances ? aws_instance.nat[count.index % local.nat_count].primary_network_interface_id : null
  }

  tags = { Name = "${var.name}-private-${local.azs[count.index]}" }
}

resource "aws_route_table_association" "private" {
  count = var.az_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

# DynamoDB through a gateway endpoint: free, and ledger calls skip the NAT's per-GB charge.
resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id

  tags = { Name = "${var.name}-dynamodb" }
}

data "aws_region" "current" {}

# --- flow logs: rejected traffic only (cheap, and what an investigation needs first) ---------

resource "aws_cloudwatch_log_group" "flow_logs" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (default 90 days): operational logs kept short for cost and data minimisation.
  name              = "/aws/vpc/${var.name}/flow-logs"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_caller_identity" "current" {}

resource "aws_iam_role" "flow_logs" {
  name               = "${var.name}-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"]
    resources = [aws_cloudwatch_log_group.flow_logs.arn, "${aws_cloudwatch_log_group.flow_logs.arn}:*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "${var.name}-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

resource "aws_flow_log" "this" {
  vpc_id          = aws_vpc.this.id
  traffic_type    = "REJECT"
  log_destination = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn    = aws_iam_role.flow_logs.arn
}
