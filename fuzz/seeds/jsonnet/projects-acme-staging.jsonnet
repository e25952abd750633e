projects/acme-staging.jsonnet
local project = import 'project.libsonnet';

project.gcp('acme-staging', projectId='acme-staging-482913', environment='staging',
            description='Pre-production mirror of acme-prod, refreshed with anonymised data nightly.')
