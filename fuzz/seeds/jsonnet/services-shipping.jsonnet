services/shipping.jsonnet
local service = import 'service.libsonnet';

service.new('shipping', owner='commerce', tier=2, language='python',
            description='Carrier rates, labels and parcel tracking')
+ service.http(8000)
+ service.production('prod-eu')
+ service.preProduction
+ service.postgres('shipments')
+ service.env({ CARRIERS: 'dhl,ups,dpd' })
+ service.dependsOn(['inventory', 'notifications'])
+ service.system('commerce')
