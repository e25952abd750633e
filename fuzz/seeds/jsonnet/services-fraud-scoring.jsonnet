services/fraud-scoring.jsonnet
local service = import 'service.libsonnet';

service.new('fraud-scoring', owner='risk', tier=1, language='python',
            description='Scores every payment for fraud in real time')
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.requests('2', '4Gi')
+ service.redis('velocity', memoryGb=8)
+ service.slo(99.95, latencyP99Ms=80)
+ service.dependsOn(['risk-rules', 'feature-store'])
+ service.system('risk')
+ service.provides('fraud-scores')
