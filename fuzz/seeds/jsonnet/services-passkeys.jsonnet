services/passkeys.jsonnet
local service = import 'service.libsonnet';

service.new('passkeys', owner='identity', tier=2, language='rust',
            description='WebAuthn passkey registration and sign-in')
+ service.experimental
+ service.http(8080)
+ service.preProduction
+ service.postgres('passkeys')
+ service.dependsOn('identity-api')
+ service.system('identity')
