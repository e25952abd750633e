systems/payments.jsonnet
local system = import 'system.libsonnet';

system.new('payments', owner='payments', description='Taking, moving, storing and booking money.')
