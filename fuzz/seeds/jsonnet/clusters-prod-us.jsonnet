clusters/prod-us.jsonnet
local cluster = import 'cluster.libsonnet';

cluster.new('prod-us', project='acme-prod-us', environment='production', region='us-east-1',
            description='Production in North Virginia (EKS).')
+ cluster.nodePool('general', 'm6i.2xlarge', minNodes=3, maxNodes=15)
+ cluster.spotPool('batch', 'm6i.xlarge', maxNodes=16)
