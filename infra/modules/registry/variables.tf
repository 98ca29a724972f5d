variable "name" {
  description = "Name prefix of the repository."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the images."
  type        = string
}

variable "keep_images" {
  description = "Images kept in the repository; older ones expire."
  type        = number
  default     = 10

  validation {
    condition     = var.keep_images >= 2
    error_message = "keep_images must be at least 2 (the running image and the previous one)."
  }
}
