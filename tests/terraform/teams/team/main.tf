variable "name" {
  type = string
}

variable "parent" {
  type = string
}

variable "team" {
  type = object({
    description   = string
    slack_channel = string
    parent        = string
    members = map(object({
      name  = string
      email = string
      role  = string
    }))
    on_call = object({
      rotation   = string
      hours      = string
      escalation = string
    })
  })

  validation {
    condition     = can(regex("^#", var.team.slack_channel))
    error_message = "A Slack channel starts with #."
  }

  validation {
    condition     = alltrue([for m in values(var.team.members) : contains(["lead", "manager", "engineer"], m.role)])
    error_message = "Every member has a known role."
  }
}

output "summary" {
  value = "${var.name}: ${length(var.team.members)} members, ${var.team.slack_channel}"
}
