systems/developer-platform.jsonnet
local system = import 'system.libsonnet';

system.new('developer-platform', owner='platform', description='The gateway, feature flags, the developer portal and the libraries every service builds on.')
