clusters/staging-eu.jsonnet
local cluster = import 'cluster.libsonnet';

cluster.new('staging-eu', project='acme-staging', environment='staging', region='europe-west1',
            kubernetesVersion='1.32', description='Staging; upgrades land here a release before production.')
+ cluster.nodePool('general', 'e2-standard-4', minNodes=2, maxNodes=8)
+ cluster.spotPool('batch', 'e2-standard-4', maxNodes=8)
