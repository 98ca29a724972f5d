# The idempotency ledger (crates/store/src/aws/dynamodb.rs): one item per ledger key, written
# with conditions; DynamoDB's TTL removes items a week after their last write.

resource "aws_dynamodb_table" "ledger" {
  #checkov:skip=CKV_AWS_119:Items hold ledger keys, owner ids and order results, no secrets; the AWS managed key (server_side_encryption enabled) avoids a customer-key dependency in the exactly-once path.
  #checkov:skip=CKV2_AWS_16:On-demand capacity (PAY_PER_REQUEST) needs no auto scaling.
  name                        = "${var.name}-ledger"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "ledger_key"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "ledger_key"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}
