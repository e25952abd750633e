teams/risk.jsonnet
local team = import 'team.libsonnet';

team.new('risk', 'Fraud detection and risk rules for every payment.', parent='payments')
+ team.members([
  team.lead('hsato', 'Haruto Sato'),
  team.engineer('mgarcia', 'María García'),
  team.engineer('evolkova', 'Elena Volkova'),
])
+ team.onCall()
