systems/commerce.jsonnet
local system = import 'system.libsonnet';

system.new('commerce', owner='commerce', description='The catalogue, prices, stock, carts, orders and shipping.')
