services/card-vault.jsonnet
local service = import 'service.libsonnet';

service.new('card-vault', owner='payments', tier=1, language='rust',
            description='Stores card numbers encrypted and hands out opaque references (PCI scope)')
+ service.grpc(9090)
+ service.production()
+ service.preProduction
+ service.postgres('vault', size='medium')
+ service.annotations({ 'acme.example/pci-scope': 'true' })
+ service.system('payments')
