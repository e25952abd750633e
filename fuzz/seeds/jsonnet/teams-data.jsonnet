teams/data.jsonnet
local team = import 'team.libsonnet';

team.new('data', 'Event ingestion, the feature store, analytics and the data warehouse.', parent='engineering')
+ team.members([
  team.lead('wzhang', 'Wei Zhang'),
  team.engineer('acosta', 'Andrés Costa'),
  team.engineer('hlarsen', 'Henrik Larsen'),
  team.engineer('rdas', 'Riya Das'),
])
+ team.onCall(hours='business-hours')
+ team.annotations({ 'acme.example/cost-centre': 'DATA-400' })
