services/status-page.jsonnet
local service = import 'service.libsonnet';

service.new('status-page', owner='observability', tier=3, language='typescript',
            description='status.acme.example: public component status and incident history')
+ service.http(3000)
+ service.production(['prod-eu', 'prod-us'], replicas=2)
+ service.staging()
+ service.bucket('acme-status-assets', versioning=false)
