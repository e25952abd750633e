lib/cluster.libsonnet
// Kubernetes clusters and their node pools.
//
//   cluster.new('prod-eu', project='acme-prod', environment='production', region='europe-west1')
//   + cluster.nodePool('general', 'e2-standard-8', minNodes=3, maxNodes=15)
//   + cluster.spotPool('batch', 'e2-standard-4', maxNodes=20)
local acme = import 'acme.libsonnet';

{
  // A cluster on the org's Kubernetes version. Argo CD reaches it at
  // `https://api.<name>.k8s.acme.example` unless `argocdServer` says otherwise,
  // and keeps its Applications in the `argocd` namespace.
  new(name, project, environment, region, kubernetesVersion=acme.kubernetesVersion,
      argocdServer=null, description=null):: {
    name: name,
    project: project,
    environment: environment,
    region: region,
    kubernetesVersion: kubernetesVersion,
    argocd: {
      server: if argocdServer != null then argocdServer else 'https://api.%s.k8s.%s' % [name, acme.domain],
      namespace: 'argocd',
    },
  } + (if description != null then { description: description } else {}),

  // For the cluster Argo CD itself runs in: it deploys through the in-cluster API.
  argocdInCluster:: { argocd+: { server: 'https://kubernetes.default.svc' } },

  // An on-demand node pool.
  nodePool(name, machineType, minNodes=1, maxNodes=10):: {
    nodePools+: [{ name: name, machineType: machineType, minNodes: minNodes, maxNodes: maxNodes }],
  },

  // A spot/preemptible node pool that scales to zero.
  spotPool(name, machineType, maxNodes=10):: {
    nodePools+: [{ name: name, machineType: machineType, minNodes: 0, maxNodes: maxNodes, spot: true }],
  },

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
