services/sso.jsonnet
local service = import 'service.libsonnet';

service.new('sso', owner='identity', tier=2, language='java',
            description='SAML and OIDC single sign-on for merchant dashboards')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.postgres('sso')
+ service.dependsOn('identity-api')
+ service.system('identity')
