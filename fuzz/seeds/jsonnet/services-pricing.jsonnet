services/pricing.jsonnet
local service = import 'service.libsonnet';

service.new('pricing', owner='commerce', tier=2, language='kotlin',
            description='Prices, currencies and tax calculation')
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.postgres('pricing')
+ service.redis('price-cache', memoryGb=2)
+ service.dependsOn('promotions')
+ service.system('commerce')
