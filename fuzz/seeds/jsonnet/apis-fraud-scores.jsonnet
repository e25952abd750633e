apis/fraud-scores.jsonnet
local api = import 'api.libsonnet';

api.grpc('fraud-scores', owner='risk', repo='fraud-scoring', path='proto/scoring.proto', system='risk',
         description='A fraud score for a payment, with its reasons.')
