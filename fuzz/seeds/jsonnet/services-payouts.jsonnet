services/payouts.jsonnet
local service = import 'service.libsonnet';

service.new('payouts', owner='payments', tier=2, language='kotlin',
            description='Schedules and sends merchant payouts')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.postgres('payouts')
+ service.dependsOn(['ledger', 'psp-gateway'])
+ service.system('payments')
+ service.consumes('ledger')
