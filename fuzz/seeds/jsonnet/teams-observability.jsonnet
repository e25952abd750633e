teams/observability.jsonnet
local team = import 'team.libsonnet';

team.new('observability', 'Metrics, logs, traces, alert routing and the status page.', parent='platform', slack='#observability')
+ team.members([
  team.lead('sfischer', 'Sabine Fischer'),
  team.engineer('jmensah', 'Joseph Mensah'),
  team.engineer('akumar', 'Arjun Kumar'),
])
+ team.onCall(hours='business-hours')
