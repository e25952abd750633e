// Kubernetes clusters, their node pools, and the Argo CD that manages them.
//
//   cluster.new('prod-us', project='acme-prod-us', environment='production', region='us-east-1')
//   + cluster.managedBy(ca=importstr '../ca/prod-us.pem')
//   + cluster.eks(roleArn='arn:aws:iam::418276395012:role/argocd-manager')
//   + cluster.nodePool('general', 'm6i.2xlarge', minNodes=3, maxNodes=15)
local acme = import 'acme.libsonnet';

{
  // A cluster on the org's Kubernetes version, its API server at
  // `https://api.<name>.k8s.acme.example` unless `argocdServer` says otherwise. It runs
  // its own Argo CD, in the `argocd` namespace, unless `managedBy` hands it to another's.
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

  // Managed by the Argo CD on cluster `hub` (the org's hub unless given), which trusts
  // `ca`, the PEM text of the API server's certificate authorities, and authenticates with
  // its own workload identity: add `eks`, `gke` or `aks`.
  managedBy(ca, hub=acme.argocdHub):: { argocd+: { managedBy: hub, caData: std.base64(ca) } },

  // Amazon EKS: the hub's Argo CD assumes `roleArn` (when given) and asks for a token for
  // the EKS cluster `clusterName` (the cluster's name unless given).
  eks(roleArn=null, clusterName=null):: {
    local c = self,
    argocd+: {
      auth: {
        eks: { clusterName: if clusterName != null then clusterName else c.name }
             + (if roleArn != null then { roleARN: roleArn } else {}),
      },
    },
  },

  // Google GKE: the hub's Argo CD uses its Workload Identity.
  gke:: { argocd+: { auth: { gke: {} } } },

  // Azure AKS: the hub's Argo CD uses Microsoft Entra Workload ID, as client `clientId` of
  // tenant `tenantId`.
  aks(clientId, tenantId):: { argocd+: { auth: { aks: { clientId: clientId, tenantId: tenantId } } } },

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
