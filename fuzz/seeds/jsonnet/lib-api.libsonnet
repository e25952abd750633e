lib/api.libsonnet
// APIs: the interfaces services provide and consume. The definition lives in the providing
// service's repository, at `path` on its default branch.
//
//   api.openapi('payments', owner='payments', repo='payments-api', path='api/openapi.yaml',
//               description='Authorise, capture and refund payments', system='payments')
//   api.grpc('ledger', owner='payments', repo='ledger', path='proto/ledger.proto', ...)
local acme = import 'acme.libsonnet';

{
  // Any type. `repo` is the providing service's repository name.
  new(name, owner, type, repo, path, description, system=null, lifecycle='production'):: {
    name: name,
    owner: owner,
    type: type,
    lifecycle: lifecycle,
    description: description,
    definition: 'https://github.com/%s/%s/blob/main/%s' % [acme.org, repo, path],
  } + (if system != null then { system: system } else {}),

  openapi(name, owner, repo, description, path='openapi.yaml', system=null, lifecycle='production')::
    self.new(name, owner, 'openapi', repo, path, description, system, lifecycle),
  grpc(name, owner, repo, description, path='api.proto', system=null, lifecycle='production')::
    self.new(name, owner, 'grpc', repo, path, description, system, lifecycle),
  asyncapi(name, owner, repo, description, path='asyncapi.yaml', system=null, lifecycle='production')::
    self.new(name, owner, 'asyncapi', repo, path, description, system, lifecycle),
  graphql(name, owner, repo, description, path='schema.graphql', system=null, lifecycle='production')::
    self.new(name, owner, 'graphql', repo, path, description, system, lifecycle),

  // Not yet stable; consumers should expect changes.
  experimental:: { lifecycle: 'experimental' },

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
