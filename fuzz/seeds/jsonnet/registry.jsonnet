registry.jsonnet
// Registry settings. Evaluated before anything else, so it cannot import from lib/.
{
  org: 'acme',
  repo: 'https://github.com/acme/platform.git',
  revision: 'main',
  generatedPath: 'generated',
  registryPath: 'registry',
  libraryPaths: ['lib'],
  publish: { url: 'file://../published' },

  policies: {
    'tier1-replicas': 'error',
    'unstable-dependency': 'error',
    'lifecycle-environment': 'error',
    credential: 'error',
  },

  // Where each lifecycle may run: nothing experimental reaches production.
  lifecycleEnvironments: {
    experimental: ['development', 'staging'],
    production: ['development', 'staging', 'production'],
    deprecated: ['development', 'staging', 'production'],
  },

  // CODEOWNERS, where GitHub reads it: each entity file to its team's GitHub team.
  codeowners: {
    path: '.github/CODEOWNERS',
    team: '@acme/{team}',
    platform: ['@acme/platform'],
  },

  // Where Alertmanager finds its secrets, and when business-hours rotations are on call.
  alerting: {
    secretsDir: '/etc/alertmanager/secrets',
    defaultChannel: '#alerts-unrouted',
    businessHours: { weekdays: 'monday:friday', start: '09:00', end: '18:00', location: 'Europe/Brussels' },
  },

  annotations: {
    'acme.example/owner': 'platform',
    'acme.example/docs': 'https://backstage.acme.example/docs/platform-registry',
  },
}
