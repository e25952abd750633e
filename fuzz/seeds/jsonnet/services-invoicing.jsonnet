services/invoicing.jsonnet
local service = import 'service.libsonnet';

service.new('invoicing', owner='payments', tier=2, language='elixir',
            description='Invoices and credit notes for merchants, as PDF and e-invoice')
+ service.http(4000)
+ service.production('prod-eu')
+ service.preProduction
+ service.postgres('invoices')
+ service.bucket('acme-invoices', retentionDays=3650)
+ service.dependsOn(['ledger', 'notifications'])
+ service.system('payments')
+ service.consumes('ledger')
