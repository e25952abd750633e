services/web-storefront.jsonnet
local service = import 'service.libsonnet';

service.new('web-storefront', owner='storefront', tier=1, language='typescript',
            description='The acme.example web shop: server-rendered pages, basket and account area')
+ service.http(3000)
+ service.production(replicas=4)
+ service.preProduction
+ service.requests('1', '1Gi')
+ service.redis('page-cache', memoryGb=4)
+ service.env({ PUBLIC_BASE_URL: 'https://www.acme.example' })
+ service.dependsOn(['checkout', 'catalog', 'search', 'identity-api', 'recommendations', 'feature-flags'])
+ service.website
+ service.consumes(['catalog-graphql', 'identity'])
