services/catalog.jsonnet
local service = import 'service.libsonnet';

service.new('catalog', owner='commerce', tier=1, language='java',
            description='Products, variants, categories and their media')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.requests('1', '2Gi')
+ service.postgres('catalog', size='medium')
+ service.redis('products', memoryGb=8)
+ service.bucket('acme-product-media')
+ service.dependsOn(['pricing', 'inventory'])
+ service.system('commerce')
+ service.provides('catalog-graphql')
