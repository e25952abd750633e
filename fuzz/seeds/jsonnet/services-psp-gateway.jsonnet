services/psp-gateway.jsonnet
local service = import 'service.libsonnet';

service.new('psp-gateway', owner='payments', tier=1, language='java',
            description='One API over the payment service providers, with failover between them')
+ service.http(8080)
+ service.production()
+ service.preProduction
+ service.env({ PSP_PRIMARY: 'adyen', PSP_FALLBACK: 'stripe' })
+ service.dependsOn('card-vault')
+ service.system('payments')
