services/alert-router.jsonnet
local service = import 'service.libsonnet';

service.new('alert-router', owner='observability', tier=2, language='go',
            description='Routes Alertmanager alerts to the right on-call rotation and Slack channel')
+ service.http(9093)
+ service.production()
+ service.preProduction
+ service.dependsOn('notifications')
