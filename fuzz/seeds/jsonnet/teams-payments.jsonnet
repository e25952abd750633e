teams/payments.jsonnet
local team = import 'team.libsonnet';

team.new('payments', 'Payment acceptance, card vault, ledger, payouts and invoicing.', parent='engineering')
+ team.members([
  team.manager('cdubois', 'Camille Dubois'),
  team.lead('amartin', 'Ana Martín'),
  team.engineer('bchen', 'Bo Chen'),
  team.engineer('kwalker', 'Kevin Walker'),
  team.engineer('nrossi', 'Nina Rossi'),
  team.engineer('oadeyemi', 'Olu Adeyemi'),
])
+ team.onCall()
+ team.annotations({ 'acme.example/pci-scope': 'true', 'acme.example/cost-centre': 'PAY-200' })
