variable "key" {
  type = string
}

variable "cache" {
  type = object({
    service   = string
    team      = string
    name      = string
    memory_gb = number
  })
}

output "id" {
  value = "redis/${var.key}/${var.cache.memory_gb}gb"
}
