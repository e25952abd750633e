services/api-gateway.jsonnet
local service = import 'service.libsonnet';

service.new('api-gateway', owner='platform', tier=1, language='other',
            description='Envoy-based edge for the public merchant API: routing, rate limits, auth')
+ service.http(8443, name='https')
+ service.tcp(9901, name='admin')
+ service.production(replicas=4)
+ service.preProduction
+ service.redis('rate-limits', memoryGb=2)
+ service.dependsOn(['identity-api', 'payments-api', 'payouts', 'invoicing', 'go-kit'])
+ service.system('developer-platform')
+ service.consumes(['payments', 'identity'])
