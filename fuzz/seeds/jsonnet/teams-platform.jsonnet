teams/platform.jsonnet
local team = import 'team.libsonnet';

team.new('platform', 'Cloud projects, Kubernetes clusters, CI/CD and the golden paths.', parent='engineering')
+ team.members([
  team.lead('mlindqvist', 'Mats Lindqvist'),
  team.engineer('pnair', 'Priya Nair'),
  team.engineer('tbrennan', 'Tom Brennan'),
  team.engineer('yhassan', 'Yusuf Hassan'),
  team.engineer('lmoreau', 'Léa Moreau'),
])
+ team.onCall()
+ team.annotations({ 'acme.example/cost-centre': 'ENG-100' })
