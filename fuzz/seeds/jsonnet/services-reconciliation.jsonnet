services/reconciliation.jsonnet
local service = import 'service.libsonnet';

service.new('reconciliation', owner='payments', tier=2, language='python',
            description='Matches provider settlement files against the ledger every night')
+ service.http(8000)
+ service.production('prod-eu', replicas=2, maxReplicas=2)
+ service.staging()
+ service.requests('1', '2Gi')
+ service.bucket('acme-settlement-files', retentionDays=730)
+ service.dependsOn(['ledger', 'psp-gateway'])
+ service.system('payments')
