systems/identity.jsonnet
local system = import 'system.libsonnet';

system.new('identity', owner='identity', description='Customer accounts, sign-in and merchant single sign-on.')
