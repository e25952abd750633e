services/ledger.jsonnet
local service = import 'service.libsonnet';

service.new('ledger', owner='payments', tier=1, language='rust',
            description='Double-entry ledger: the source of truth for every balance')
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.postgres('ledger', size='xlarge', version='17')
+ service.bucket('acme-ledger-archive', retentionDays=3650)
+ service.slo(99.99)
+ service.system('payments')
+ service.provides('ledger')
+ service.dependsOn('go-kit')
