services/notifications.jsonnet
local service = import 'service.libsonnet';

service.new('notifications', owner='growth', tier=2, language='elixir',
            description='E-mail, SMS and push delivery with templates and preferences')
+ service.http(4000)
+ service.production()
+ service.preProduction
+ service.postgres('notifications', size='medium')
+ service.redis('delivery-queue', memoryGb=2)
+ service.env({ SMTP_RELAY: 'smtp.eu.sparkpost.example', SMS_PROVIDER: 'twilio' })
+ service.dependsOn('feature-flags')
