variable "bucket" {
  type = object({
    service        = string
    team           = string
    name           = string
    bucket_name    = string
    versioning     = bool
    retention_days = number
  })
}

output "id" {
  value = "bucket/${var.bucket.bucket_name}${var.bucket.retention_days == null ? "" : "/${var.bucket.retention_days}d"}"
}
