local cluster = import 'cluster.libsonnet';
local account = import '../projects/acme-dev.jsonnet';

cluster.new('dev-eu', project=account.name, environment=account.environment, region=account.region,
            kubernetesVersion='1.32', description='Development (EKS in Ireland); mostly spot capacity.')
+ cluster.managedBy(ca=importstr '../ca/dev-eu.pem')
+ cluster.eks(roleArn='arn:aws:iam::%s:role/argocd-manager' % account.cloudId)
+ cluster.nodePool('general', 't3.xlarge', minNodes=1, maxNodes=4)
+ cluster.spotPool('spot', 't3.xlarge', maxNodes=12)
