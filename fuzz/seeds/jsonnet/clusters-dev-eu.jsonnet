clusters/dev-eu.jsonnet
local cluster = import 'cluster.libsonnet';
local account = import '../projects/acme-dev.jsonnet';

cluster.new('dev-eu', project=account.name, environment=account.environment, region=account.region,
            kubernetesVersion='1.32', description='Development (EKS in Ireland); mostly spot capacity.')
+ cluster.nodePool('general', 't3.xlarge', minNodes=1, maxNodes=4)
+ cluster.spotPool('spot', 't3.xlarge', maxNodes=12)
