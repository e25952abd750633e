services/payments-api.jsonnet
local service = import 'service.libsonnet';

service.new('payments-api', owner='payments', tier=1, language='go',
            description='Authorises, captures and refunds payments')
+ service.grpc(9090)
+ service.http(8080)
+ service.production(replicas=4)
+ service.preProduction
+ service.postgres('payments', size='large')
+ service.slo(99.99, latencyP99Ms=250)
+ service.dependsOn(['ledger', 'fraud-scoring', 'psp-gateway', 'card-vault', 'go-kit'])
+ service.system('payments')
+ service.provides('payments')
+ service.consumes(['ledger', 'fraud-scores'])
