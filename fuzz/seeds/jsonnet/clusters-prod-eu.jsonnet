clusters/prod-eu.jsonnet
local cluster = import 'cluster.libsonnet';

cluster.new('prod-eu', project='acme-prod', environment='production', region='europe-west1',
            description='Production in Belgium. Runs the Argo CD that manages every cluster.')
+ cluster.argocdInCluster
+ cluster.nodePool('general', 'e2-standard-8', minNodes=3, maxNodes=18)
+ cluster.nodePool('memory', 'n2-highmem-4', minNodes=2, maxNodes=8)
+ cluster.spotPool('batch', 'e2-standard-4', maxNodes=24)
