teams/engineering.jsonnet
local team = import 'team.libsonnet';

team.new('engineering', 'All of Acme engineering; the last stop of every escalation.', slack='#engineering')
+ team.members([
  team.manager('rkowalski', 'Renata Kowalski'),
  team.manager('dokafor', 'David Okafor'),
  team.lead('mlindqvist', 'Mats Lindqvist'),
])
+ team.onCall(rotation='eng-incident-commander')
