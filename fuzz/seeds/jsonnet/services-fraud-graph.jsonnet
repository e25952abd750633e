services/fraud-graph.jsonnet
local service = import 'service.libsonnet';

service.new('fraud-graph', owner='risk', tier=3, language='scala',
            description='Graph features linking accounts, cards and devices; a research prototype')
+ service.experimental
+ service.http(8080)
+ service.development()
+ service.requests('2', '8Gi')
+ service.dependsOn(['fraud-scoring', 'feature-store', 'events-ingest'])
+ service.system('risk')
