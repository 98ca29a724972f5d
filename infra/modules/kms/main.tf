# Two customer managed keys:
# - platform: CloudWatch Logs, the alarm topic, the Lambdas' environment, Secrets Manager (JWT,
#   Redis, Kite token, RDS master password), RDS and ElastiCache storage, the image registry.
# - broker: encrypts the secret that holds ALGO_BROKER_KEY, the 32-byte data key generated under
#   it (`aws kms generate-data-key`); see infra/README.md, "The broker key".

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # The account administers its keys; IAM policies grant the use (a key policy's "*" resource
  # means the key itself).
  account_statement = {
    Sid       = "AccountAdministersAndDelegatesToIam"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }
}

resource "aws_kms_key" "platform" {
  description             = "${var.name}: logs, alarm topic, Lambda environment, secrets, RDS, ElastiCache"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_days

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.account_statement,
      {
        Sid       = "CloudWatchLogsEncryptThisAccountsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
          }
        }
      },
      {
        Sid       = "AlarmsAndEventsPublishToTheEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "platform" {
  name          = "alias/${var.name}-platform"
  target_key_id = aws_kms_key.platform.key_id
}

resource "aws_kms_key" "broker" {
  description             = "${var.name}: the broker-key data key (ALGO_BROKER_KEY) and its secret"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_days

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.account_statement]
  })
}

resource "aws_kms_alias" "broker" {
  name          = "alias/${var.name}-broker-key"
  target_key_id = aws_kms_key.broker.key_id
}
