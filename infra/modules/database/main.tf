# RDS Postgres, the system of record: private, encrypted, backed up daily, TLS only. The master
# password is generated and kept by RDS in Secrets Manager (manage_master_user_password).

locals {
  major = split(".", var.engine_version)[0]
}

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "${var.name}: private subnets"
  subnet_ids  = var.subnet_ids
}

resource "aws_db_parameter_group" "this" {
  #checkov:skip=CKV2_AWS_30:Statement logging (log_statement=all) would write sealed broker secrets and password hashes to the logs; slow statements are logged instead.
  name        = "${var.name}-postgres${local.major}"
  family      = "postgres${local.major}"
  description = "${var.name}: TLS only, slow statements logged"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Created before the instance so that the exported logs are encrypted and expire.
resource "aws_cloudwatch_log_group" "exports" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (default 90 days): operational logs kept short for cost and data minimisation.
  for_each = toset(["postgresql", "upgrade"])

  name              = "/aws/rds/instance/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_157:Multi-AZ is the db_multi_az variable (default off: it doubles the cost of an instance that is idle most of the day).
  #checkov:skip=CKV_AWS_118:Enhanced monitoring adds cost at rest; the standard RDS metrics and the exported logs cover this workload.
  #checkov:skip=CKV_AWS_353:Performance Insights is the db_performance_insights variable (not every micro instance class supports it).
  #checkov:skip=CKV_AWS_354:Performance Insights, when turned on, uses the platform KMS key (see performance_insights_kms_key_id).
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_name                       = var.db_name
  username                      = var.username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.multi_az

  # 01:30-02:30 and Monday 02:30-03:30 IST: far from the 09:15-15:30 session.
  backup_retention_period  = var.backup_retention_days
  backup_window            = "20:00-21:00"
  maintenance_window       = "sun:21:30-sun:22:30"
  copy_tags_to_snapshot    = true
  delete_automated_backups = false

  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"

  auto_minor_version_upgrade          = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]

  performance_insights_enabled          = var.performance_insights_enabled
  performance_insights_kms_key_id       = var.performance_insights_enabled ? var.kms_key_arn : null
  performance_insights_retention_period = var.performance_insights_enabled ? 7 : null

  depends_on = [aws_cloudwatch_log_group.exports]
}

# RDS rotates its managed password every 7 days by default. The Lambdas receive DATABASE_URL at
# apply time, so the interval is a variable until the code reads the secret itself.
resource "aws_secretsmanager_secret_rotation" "master" {
  #checkov:skip=CKV_AWS_304:The interval is the db_password_rotation_days variable (default 365): the Lambdas get DATABASE_URL at apply time and lose the database at each rotation until the code reads DATABASE_SECRET_ARN (README, Secrets).
  secret_id          = aws_db_instance.this.master_user_secret[0].secret_arn
  rotate_immediately = false

  rotation_rules {
    automatically_after_days = var.password_rotation_days
  }
}

# Clients: the Lambdas and the feed worker (its Kite sessions). The description predates the feed
# worker and stays: changing it would replace the group under the running instance.
resource "aws_security_group" "this" {
  name        = "${var.name}-database"
  description = "RDS Postgres: only from the Lambdas"
  vpc_id      = var.vpc_id

  ingress {
    description     = "Postgres from the application's security groups"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = var.client_security_group_ids
  }

  tags = { Name = "${var.name}-database" }
}
