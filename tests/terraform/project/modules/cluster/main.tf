variable "name" {
  type = string
}

variable "project" {
  type = string
}

variable "cluster" {
  type = object({
    environment        = string
    region             = string
    kubernetes_version = string
    argocd_server      = string
    argocd_namespace   = string
    argocd_managed_by  = string
    node_pools = map(object({
      machine_type = string
      min_nodes    = number
      max_nodes    = number
      spot         = bool
    }))
  })

  validation {
    condition     = alltrue([for p in values(var.cluster.node_pools) : p.min_nodes <= p.max_nodes])
    error_message = "A node pool's minimum is at most its maximum."
  }
}

output "endpoint" {
  value = "${var.project}/${var.cluster.region}/${var.name} (${var.cluster.kubernetes_version}, ${length(var.cluster.node_pools)} pools)"
}
