services/feature-flags.jsonnet
local service = import 'service.libsonnet';

service.new('feature-flags', owner='platform', tier=2, language='go',
            description='Feature flags and gradual roll-outs for every service')
+ service.http(8080)
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.postgres('flags')
+ service.redis('flags-cache')
+ service.system('developer-platform')
+ service.dependsOn('go-kit')
