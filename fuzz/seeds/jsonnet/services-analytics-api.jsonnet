services/analytics-api.jsonnet
local service = import 'service.libsonnet';

service.new('analytics-api', owner='data', tier=3, language='python',
            description='Merchant-facing sales reports, served from the warehouse')
+ service.http(8000)
+ service.production('prod-eu')
+ service.preProduction
+ service.postgres('report-cache')
