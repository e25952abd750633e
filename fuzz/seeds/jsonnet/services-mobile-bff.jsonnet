services/mobile-bff.jsonnet
local service = import 'service.libsonnet';

service.new('mobile-bff', owner='storefront', tier=1, language='kotlin',
            description='Backend-for-frontend of the iOS and Android apps')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.redis('responses', memoryGb=2)
+ service.dependsOn(['checkout', 'catalog', 'search', 'identity-api', 'notifications'])
+ service.consumes(['catalog-graphql', 'identity'])
