services/experiments.jsonnet
local service = import 'service.libsonnet';

service.new('experiments', owner='growth', tier=3, language='typescript',
            description='A/B test assignment and results, replacing the third-party tool')
+ service.experimental
+ service.http(3000)
+ service.preProduction
+ service.postgres('experiments')
+ service.dependsOn(['feature-flags', 'events-ingest'])
