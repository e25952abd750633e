services/identity-api.jsonnet
local service = import 'service.libsonnet';

service.new('identity-api', owner='identity', tier=1, language='go',
            description='Customer accounts, sign-in, sessions and OAuth for first-party apps')
+ service.http(8080)
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.postgres('accounts', size='medium')
+ service.redis('sessions', memoryGb=4)
+ service.dependsOn(['notifications', 'feature-flags', 'go-kit'])
+ service.system('identity')
+ service.provides('identity')
