provider "aws" {
  region = var.region

  # Credentials of any other account stop the plan before it reads or changes anything: a
  # staging profile left in the shell cannot touch production, nor the reverse.
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    })
  }
}
