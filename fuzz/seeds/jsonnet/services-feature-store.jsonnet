services/feature-store.jsonnet
local service = import 'service.libsonnet';

service.new('feature-store', owner='data', tier=2, language='python',
            description='Online feature store for the fraud and recommendation models')
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.redis('online-features', memoryGb=32)
+ service.dependsOn('events-ingest')
