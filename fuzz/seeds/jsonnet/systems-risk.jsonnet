systems/risk.jsonnet
local system = import 'system.libsonnet';

system.new('risk', owner='risk', description='Scoring every payment for fraud, and the rules behind it.')
