terraform {
  required_version = ">= 1.0.0"
}

# Its variables are declared by the generated `teams.variables.tf.json`, copied beside this file.

locals {
  memberships = merge([
    for team, t in var.teams : {
      for login, member in t.members : "${team}/${login}" => merge(member, { team = team, login = login })
    }
  ]...)
  on_call = { for team, t in var.teams : team => t.on_call if t.on_call != null }
}

module "team" {
  source   = "./team"
  for_each = var.teams

  name   = each.key
  team   = each.value
  parent = each.value.parent == null ? null : var.teams[each.value.parent].slack_channel
}

output "teams" {
  value = { for name, team in module.team : name => team.summary }
}

output "memberships" {
  value = keys(local.memberships)
}

output "on_call" {
  value = { for team, o in local.on_call : team => "${o.rotation} (${o.hours})" }
}
