projects/acme-dev.jsonnet
local project = import 'project.libsonnet';

project.aws('acme-dev', accountId='730185264409', environment='development',
            description='Shared development account: preview environments and experiments.')
