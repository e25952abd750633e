apis/ledger.jsonnet
local api = import 'api.libsonnet';

api.grpc('ledger', owner='payments', repo='ledger', path='proto/ledger/v1/ledger.proto', system='payments',
         description='Double-entry postings and balances.')
