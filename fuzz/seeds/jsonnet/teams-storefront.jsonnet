teams/storefront.jsonnet
local team = import 'team.libsonnet';

team.new('storefront', 'The web shop and the backend of the mobile apps.', parent='commerce')
+ team.members([
  team.lead('ejohansson', 'Emma Johansson'),
  team.engineer('rsilva', 'Rafael Silva'),
  team.engineer('zali', 'Zainab Ali'),
  team.engineer('pwright', 'Peter Wright'),
])
+ team.onCall()
