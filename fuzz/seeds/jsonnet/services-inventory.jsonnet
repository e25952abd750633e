services/inventory.jsonnet
local service = import 'service.libsonnet';

service.new('inventory', owner='commerce', tier=1, language='go',
            description='Stock levels per warehouse and short-lived reservations during checkout')
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.postgres('inventory', size='medium')
+ service.redis('reservations', memoryGb=2)
+ service.system('commerce')
