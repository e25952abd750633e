teams/growth.jsonnet
local team = import 'team.libsonnet';

team.new('growth', 'Notifications, promotions, recommendations and experimentation.', parent='engineering')
+ team.members([
  team.manager('sparker', 'Sophie Parker'),
  team.lead('gferrari', 'Giulia Ferrari'),
  team.engineer('mabdullah', 'Mohammed Abdullah'),
  team.engineer('jkim', 'Jisoo Kim'),
])
+ team.onCall(hours='business-hours')
