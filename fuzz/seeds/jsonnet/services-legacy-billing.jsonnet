services/legacy-billing.jsonnet
local service = import 'service.libsonnet';

service.new('legacy-billing', owner='payments', tier=2, language='ruby',
            description='The old Rails billing app; merchants are moving to invoicing')
+ service.deprecated(replacedBy='invoicing', sunset='2025-12-31')
+ service.http(3000)
+ service.production('prod-eu')
+ service.staging()
+ service.postgres('billing', version='14')
+ service.dependsOn(['ledger', 'notifications'])
+ service.system('payments')
