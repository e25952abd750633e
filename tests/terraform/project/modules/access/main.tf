variable "team" {
  type = string
}

variable "members" {
  type = set(string)
}

variable "namespaces" {
  type = list(string)
}

variable "databases" {
  type = list(string)
}

variable "caches" {
  type = list(string)
}

variable "buckets" {
  type = list(string)
}

output "grants" {
  value = length(var.members) * (length(var.namespaces) + length(var.databases) + length(var.caches) + length(var.buckets))
}
