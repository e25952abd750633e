services/recommendations.jsonnet
local service = import 'service.libsonnet';

service.new('recommendations', owner='growth', tier=2, language='python',
            description='"You may also like" and personalised home-page rails')
+ service.http(8000)
+ service.production()
+ service.preProduction
+ service.requests('1', '2Gi')
+ service.bucket('acme-reco-models', retentionDays=90)
+ service.dependsOn(['catalog', 'feature-store'])
