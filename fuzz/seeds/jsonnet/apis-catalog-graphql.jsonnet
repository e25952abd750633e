apis/catalog-graphql.jsonnet
local api = import 'api.libsonnet';

api.graphql('catalog-graphql', owner='commerce', repo='catalog', system='commerce',
            description='Products, variants and prices for storefronts.')
+ api.experimental
