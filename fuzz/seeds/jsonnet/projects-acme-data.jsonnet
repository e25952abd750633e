projects/acme-data.jsonnet
local project = import 'project.libsonnet';

project.gcp('acme-data', projectId='acme-data-482913', environment='production', owner='data',
            costCentre='DATA-400', description='The BigQuery warehouse and the raw event lake.')
+ project.annotations({ 'acme.example/data-residency': 'eu' })
