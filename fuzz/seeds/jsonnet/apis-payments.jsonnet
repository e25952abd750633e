apis/payments.jsonnet
local api = import 'api.libsonnet';

api.openapi('payments', owner='payments', repo='payments-api', path='api/openapi.yaml', system='payments',
            description='Authorise, capture and refund card payments.')
