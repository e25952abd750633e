apis/identity.jsonnet
local api = import 'api.libsonnet';

api.openapi('identity', owner='identity', repo='identity-api', path='api/openapi.yaml', system='identity',
            description='Customers, sessions and tokens.')
