services/risk-rules.jsonnet
local service = import 'service.libsonnet';

service.new('risk-rules', owner='risk', tier=2, language='scala',
            description='Rule engine and case management for the risk analysts')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.postgres('rules')
+ service.system('risk')
