services/search.jsonnet
local service = import 'service.libsonnet';

service.new('search', owner='commerce', tier=2, language='java',
            description='Product search and autocomplete over the catalogue index')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.requests('1', '4Gi')
+ service.bucket('acme-search-snapshots', versioning=false, retentionDays=14)
+ service.dependsOn('catalog')
+ service.system('commerce')
