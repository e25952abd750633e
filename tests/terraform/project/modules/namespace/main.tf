variable "cluster_endpoint" {
  type = string
}

variable "namespace" {
  type = object({
    cluster   = string
    namespace = string
    team      = string
    services  = list(string)
  })
}

output "id" {
  value = "${var.cluster_endpoint}/${var.namespace.namespace}"
}
