variable "name" {
  description = "Name prefix of the table."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the table."
  type        = bool
}
