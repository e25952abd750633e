services/promotions.jsonnet
local service = import 'service.libsonnet';

service.new('promotions', owner='growth', tier=2, language='kotlin',
            description='Vouchers, discount campaigns and their eligibility rules')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.postgres('promotions')
+ service.dependsOn('feature-flags')
