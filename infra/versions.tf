terraform {
  # 1.10: S3-native state locking (use_lockfile in backend.hcl.example); also cross-variable
  # validation (1.9) and plantimestamp() (1.5).
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # Remote state: an S3 bucket given at init time, never written here.
  #   terraform init -backend-config=backend.hcl   (see backend.hcl.example)
  # The state holds secret values (Lambda environment, generated passwords): keep the
  # bucket private, versioned and encrypted with KMS.
  backend "s3" {}
}
