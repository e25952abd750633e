lib/acme.libsonnet
// Organisation-wide constants and the defaults every golden path draws on.
{
  org: 'acme',
  domain: 'acme.example',

  // Where a service's source lives unless it says otherwise.
  repo(name):: 'https://github.com/%s/%s.git' % [self.org, name],

  // Work e-mail of a member, from their forge login.
  email(login):: '%s@%s' % [login, self.domain],

  // Kubernetes minor version new clusters start on.
  kubernetesVersion: '1.31',

  // Default clusters of each environment, used when a service does not name its own.
  clusters: {
    production: ['prod-eu', 'prod-us'],
    staging: ['staging-eu'],
    development: ['dev-eu'],
  },

  // What each tier gets by default: 1 is business-critical, 3 is best effort.
  tiers:: {
    '1': {
      slo: { availability: 99.95, latencyP99Ms: 300 },
      requests: { cpu: '500m', memory: '512Mi' },
      productionReplicas: 3,
      autoscale: true,
    },
    '2': {
      slo: { availability: 99.9, latencyP99Ms: 500 },
      requests: { cpu: '250m', memory: '256Mi' },
      productionReplicas: 2,
      autoscale: true,
    },
    '3': {
      slo: { availability: 99.5, latencyP99Ms: 1000 },
      requests: { cpu: '100m', memory: '128Mi' },
      productionReplicas: 1,
      autoscale: false,
    },
  },
  tier(t):: self.tiers[std.toString(t)],

  // Runtime settings each language's base image expects.
  languageEnv:: {
    go: {},
    java: { JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=75.0' },
    kotlin: self.java,
    scala: self.java,
    python: { PYTHONUNBUFFERED: '1' },
    ruby: { RAILS_LOG_TO_STDOUT: 'true', RAILS_ENV: 'production' },
    rust: { RUST_LOG: 'info' },
    typescript: { NODE_ENV: 'production' },
    elixir: { ERL_MAX_PORTS: '65536' },
    other: {},
  },

  // 'payments-api' -> 'PaymentsApi': a service name as the prefix of alert names.
  camelCase(name)::
    std.join('', [
      std.asciiUpper(std.substr(part, 0, 1)) + std.substr(part, 1, std.length(part) - 1)
      for part in std.split(name, '-')
    ]),

  // A single value or a list, as a list.
  asArray(x):: if std.isArray(x) then x else [x],
}
