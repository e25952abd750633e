teams/identity.jsonnet
local team = import 'team.libsonnet';

team.new('identity', 'Customer accounts, sign-in, sessions and merchant SSO.', parent='engineering')
+ team.members([
  team.lead('tmueller', 'Tobias Müller'),
  team.engineer('ayilmaz', 'Ayşe Yılmaz'),
  team.engineer('cbrown', 'Chloe Brown'),
  team.engineer('vpopescu', 'Victor Popescu'),
])
+ team.onCall()
