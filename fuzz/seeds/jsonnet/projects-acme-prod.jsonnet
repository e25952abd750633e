projects/acme-prod.jsonnet
local project = import 'project.libsonnet';

project.gcp('acme-prod', projectId='acme-prod-482913', environment='production',
            description='Production in the EU: the home of prod-eu and the managed databases behind it.')
+ project.annotations({ 'acme.example/data-residency': 'eu' })
