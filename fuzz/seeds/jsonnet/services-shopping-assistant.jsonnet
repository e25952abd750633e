services/shopping-assistant.jsonnet
local service = import 'service.libsonnet';

service.new('shopping-assistant', owner='storefront', tier=3, language='typescript',
            description='Conversational product search, trialled with internal users')
+ service.experimental
+ service.http(3000)
+ service.preProduction
+ service.dependsOn(['catalog', 'search', 'recommendations'])
