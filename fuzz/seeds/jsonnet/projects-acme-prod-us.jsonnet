projects/acme-prod-us.jsonnet
local project = import 'project.libsonnet';

project.aws('acme-prod-us', accountId='418276395012', environment='production', region='us-east-1',
            description='Production in the US for North American customers.')
+ project.annotations({ 'acme.example/data-residency': 'us' })
