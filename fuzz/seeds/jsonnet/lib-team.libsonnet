lib/team.libsonnet
// Teams: who owns what, and who gets paged.
//
//   team.new('payments', 'Money movement', parent='engineering')
//   + team.members([team.lead('amartin', 'Ana Martin'), team.engineer('bchen', 'Bo Chen')])
//   + team.onCall()
local acme = import 'acme.libsonnet';

local member(login, name, role) = {
  login: login,
  name: name,
  email: acme.email(login),
  role: role,
};

{
  // A team with Slack channel `#team-<name>` unless given, and no members yet.
  new(name, description, parent=null, slack=null):: {
    name: name,
    description: description,
    slack: if slack != null then slack else '#team-%s' % name,
    members: [],
  } + (if parent != null then { parent: parent } else {}),

  // Members, appended to any already listed; e-mails are `<login>@acme.example`.
  members(list):: { members+: list },
  lead(login, name):: member(login, name, 'lead'),
  manager(login, name):: member(login, name, 'manager'),
  engineer(login, name):: member(login, name, 'engineer'),

  // An on-call rotation (default `<name>-primary`), escalating to the parent team
  // unless `escalation` names another.
  onCall(hours='24x7', escalation=null, rotation=null):: {
    local t = self,
    local escalateTo = if escalation != null then escalation
                       else if std.objectHas(t, 'parent') then t.parent
                       else null,
    onCall: {
      rotation: if rotation != null then rotation else '%s-primary' % t.name,
      hours: hours,
    } + (if escalateTo != null then { escalation: escalateTo } else {}),
  },

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
