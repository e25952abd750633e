services/accounts-v1.jsonnet
local service = import 'service.libsonnet';

service.new('accounts-v1', owner='identity', tier=3, language='ruby',
            description='The first accounts API, kept for old app versions until they stop calling it')
+ service.deprecated(replacedBy='identity-api', sunset='2025-09-30')
+ service.http(3000)
+ service.production(['prod-eu', 'prod-us'])
+ service.dependsOn('identity-api')
+ service.system('identity')
