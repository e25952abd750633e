services/checkout.jsonnet
local service = import 'service.libsonnet';

service.new('checkout', owner='commerce', tier=1, language='go',
            description='Carts, orders and payment intents')
+ service.http(8080)
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.postgres('orders', size='large')
+ service.redis('carts', memoryGb=4)
+ service.dependsOn(['payments-api', 'inventory', 'pricing', 'shipping', 'identity-api', 'notifications', 'go-kit'])
+ service.system('commerce')
+ service.consumes(['payments', 'identity'])
