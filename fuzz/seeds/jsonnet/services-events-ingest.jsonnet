services/events-ingest.jsonnet
local service = import 'service.libsonnet';

service.new('events-ingest', owner='data', tier=2, language='go',
            description='Collects product and business events and lands them in the event lake')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.bucket('acme-raw-events', versioning=false, retentionDays=400)
