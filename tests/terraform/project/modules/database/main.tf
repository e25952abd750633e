variable "key" {
  type = string
}

variable "labels" {
  type = map(string)
}

variable "database" {
  type = object({
    service           = string
    team              = string
    name              = string
    version           = string
    size              = string
    high_availability = bool
  })

  validation {
    condition     = contains(["small", "medium", "large", "xlarge"], var.database.size)
    error_message = "A known size."
  }
}

output "id" {
  value = "postgres-${var.database.version}/${var.key}${var.database.high_availability ? " (ha)" : ""}"
}
