teams/commerce.jsonnet
local team = import 'team.libsonnet';

team.new('commerce', 'Catalogue, pricing, inventory, checkout and shipping.', parent='engineering')
+ team.members([
  team.manager('jobrien', 'Julia O\'Brien'),
  team.lead('fkhan', 'Farah Khan'),
  team.engineer('lschmidt', 'Lukas Schmidt'),
  team.engineer('ipetrova', 'Irina Petrova'),
  team.engineer('dnguyen', 'Duc Nguyen'),
])
+ team.onCall()
+ team.annotations({ 'acme.example/cost-centre': 'COM-300' })
