lib/project.libsonnet
// Cloud projects: a GCP project or an AWS account, and the Terraform root behind it.
//
//   project.gcp('acme-prod', projectId='acme-prod-482913', environment='production')
//   project.aws('acme-dev', accountId='730185264409', environment='development')
{
  // Any provider. Owned by the platform team and billed to engineering unless given.
  new(name, provider, cloudId, environment, region, owner='platform', costCentre='ENG-100', description=null):: {
    name: name,
    owner: owner,
    provider: provider,
    cloudId: cloudId,
    environment: environment,
    region: region,
    costCentre: costCentre,
  } + (if description != null then { description: description } else {}),

  // A GCP project; `projectId` is the GCP project id.
  gcp(name, projectId, environment, region='europe-west1', owner='platform', costCentre='ENG-100', description=null)::
    self.new(name, 'gcp', projectId, environment, region, owner, costCentre, description),

  // An AWS account; `accountId` is its 12-digit id.
  aws(name, accountId, environment, region='eu-west-1', owner='platform', costCentre='ENG-100', description=null)::
    self.new(name, 'aws', accountId, environment, region, owner, costCentre, description),

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
