services/developer-portal.jsonnet
local service = import 'service.libsonnet';

service.new('developer-portal', owner='platform', tier=3, language='typescript',
            description='Backstage: the service catalogue, docs and scorecards, fed by this registry')
+ service.http(7007)
+ service.production('prod-eu')
+ service.staging()
+ service.postgres('backstage')
+ service.system('developer-platform')
