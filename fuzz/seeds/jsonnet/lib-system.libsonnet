lib/system.libsonnet
// Systems: services and APIs that give one capability together, owned by one team.
//
//   system.new('payments', owner='payments', description='Taking, moving and booking money')
//   + system.annotations({ 'acme.example/tier': 'critical' })
{
  new(name, owner, description):: {
    name: name,
    owner: owner,
    description: description,
  },

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
