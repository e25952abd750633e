terraform {
  required_version = ">= 1.0.0"
}

# Its variables are declared by the generated `<project>.variables.tf.json`, copied beside this file.

module "cluster" {
  source   = "./modules/cluster"
  for_each = var.clusters

  name    = each.key
  project = var.project.cloud_id
  cluster = each.value
}

module "namespace" {
  source   = "./modules/namespace"
  for_each = var.namespaces

  # Every namespace is on a cluster of this project.
  cluster_endpoint = module.cluster[each.value.cluster].endpoint
  namespace        = each.value
}

module "database" {
  source   = "./modules/database"
  for_each = var.databases

  key      = each.key
  database = each.value
  labels   = var.project.labels
}

module "cache" {
  source   = "./modules/cache"
  for_each = var.caches

  key   = each.key
  cache = each.value
}

module "bucket" {
  source   = "./modules/bucket"
  for_each = var.buckets

  bucket = each.value
}

module "access" {
  source   = "./modules/access"
  for_each = var.team_access

  team = each.key
  # Every granted resource exists in this project.
  namespaces = [for key in each.value.namespaces : module.namespace[key].id]
  databases  = [for key in each.value.databases : module.database[key].id]
  caches     = [for key in each.value.caches : module.cache[key].id]
  buckets    = [for key in each.value.buckets : module.bucket[key].id]
  members    = each.value.members
}

output "project" {
  value = "${var.project.provider}:${var.project.cloud_id}"
}

output "clusters" {
  value = { for name, cluster in module.cluster : name => cluster.endpoint }
}

output "grants" {
  value = { for team, access in module.access : team => access.grants }
}
