lib/service.libsonnet
// The golden path for services. A service file starts from `service.new(...)`
// and adds what it needs with `+`, for example:
//
//   service.new('checkout', owner='commerce', tier=1, language='go', description='...')
//   + service.http(8080)
//   + service.production()
//   + service.postgres('orders', size='medium')
//   + service.dependsOn(['payments-api'])
//
// Mixins append to arrays and merge into objects (`+:`), so they compose in any
// order, and they read the final object (`self`) late, so defaults derived from
// the tier or the name follow any later override.
local acme = import 'acme.libsonnet';

// One entry of `deployments` for service `s`.
local deployment(s, cluster, replicas, maxReplicas=null, targetCpuPercent=70, path=null, revision=null) =
  {
    cluster: cluster,
    namespace: s.namespace,
    replicas: replicas,
    path: if path != null then path else 'deploy/%s' % cluster,
  }
  + (if maxReplicas != null
     then { autoscaling: { maxReplicas: maxReplicas, targetCpuPercent: targetCpuPercent } }
     else {})
  + (if revision != null then { revision: revision } else {});

{
  // A service with the defaults of its tier: SLO, requests, a crash-loop alert,
  // a runbook link, and the repository `https://github.com/acme/<name>.git`.
  // `namespace` is where its deployments go (the service name unless given).
  new(name, owner, tier, language, description, repo=null, namespace=null):: {
    local s = self,
    name: name,
    description: description,
    owner: owner,
    tier: tier,
    lifecycle: 'production',
    repo: if repo != null then repo else acme.repo(name),
    language: language,
    namespace:: if namespace != null then namespace else name,
    requests: acme.tier(tier).requests,
    slo: acme.tier(tier).slo,
    env: { OTEL_SERVICE_NAME: name, LOG_FORMAT: 'json' } + acme.languageEnv[language],
    alerts: [{
      name: acme.camelCase(name) + 'CrashLooping',
      expr: 'increase(kube_pod_container_status_restarts_total{namespace="%s",container="%s"}[15m]) > 3'
            % [s.namespace, name],
      'for': '5m',
      severity: 'ticket',
      summary: '%s pods are restarting repeatedly' % name,
    }],
    annotations: { 'acme.example/runbook': 'https://runbooks.%s/services/%s' % [acme.domain, name] },
  },

  // A library: built into the services that depend on it, never deployed, so it has no
  // alerts, SLO alerts or deployments of its own.
  library(name, owner, tier, language, description, repo=null):: self.new(name, owner, tier, language, description, repo) + {
    type: 'library',
    alerts: [],
  },

  // A website: serves pages to people rather than an API to programs.
  website:: { type: 'website' },

  // --- Catalog ----------------------------------------------------------------

  // The system the service belongs to.
  system(name):: { system: name },

  // The APIs this service implements, and those it calls.
  provides(apis):: { providesApis+: acme.asArray(apis) },
  consumes(apis):: { consumesApis+: acme.asArray(apis) },

  // --- Lifecycle -------------------------------------------------------------

  // Not yet fit for production: may only run in development and staging.
  experimental:: { lifecycle: 'experimental' },

  // On its way out; `replacedBy` names its successor, `sunset` the planned removal date.
  deprecated(replacedBy=null, sunset=null):: {
    lifecycle: 'deprecated',
    annotations+: (if replacedBy != null then { 'acme.example/replaced-by': replacedBy } else {})
                  + (if sunset != null then { 'acme.example/sunset': sunset } else {}),
  },

  // --- Ports and their standard alerts ---------------------------------------

  // An HTTP port, with alerts on the SLO: a fast error-budget burn and p99 latency.
  http(port=8080, name='http'):: {
    local s = self,
    local selector = 'service="%s"' % s.name,
    ports+: [{ name: name, port: port, protocol: 'http' }],
    alerts+: [
      {
        name: acme.camelCase(s.name) + 'HighErrorRate',
        expr: std.format(
          'sum(rate(http_requests_total{%s,code=~"5.."}[5m])) / sum(rate(http_requests_total{%s}[5m])) > %s',
          [selector, selector, std.format('%.5f', 14.4 * (100 - s.slo.availability) / 100)]
        ),
        'for': '5m',
        severity: if s.tier <= 2 then 'page' else 'ticket',
        summary: '%s is burning its error budget 14x too fast' % s.name,
      },
      {
        name: acme.camelCase(s.name) + 'HighLatency',
        expr: std.format(
          'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{%s}[5m]))) * 1000 > %d',
          [selector, s.slo.latencyP99Ms]
        ),
        'for': '10m',
        severity: if s.tier == 1 then 'page' else 'ticket',
        summary: '%s p99 latency is above %d ms' % [s.name, s.slo.latencyP99Ms],
      },
    ],
  },

  // A gRPC port, with an alert on server errors.
  grpc(port=9090, name='grpc'):: {
    local s = self,
    local selector = 'service="%s"' % s.name,
    ports+: [{ name: name, port: port, protocol: 'grpc' }],
    alerts+: [{
      name: acme.camelCase(s.name) + 'GrpcErrors',
      expr: std.format(
        'sum(rate(grpc_server_handled_total{%s,grpc_code=~"Internal|Unavailable|DeadlineExceeded"}[5m])) / sum(rate(grpc_server_handled_total{%s}[5m])) > 0.01',
        [selector, selector]
      ),
      'for': '5m',
      severity: if s.tier <= 2 then 'page' else 'ticket',
      summary: '%s is returning gRPC server errors' % s.name,
    }],
  },

  // A raw TCP port (no standard alerts).
  tcp(port, name='tcp'):: { ports+: [{ name: name, port: port, protocol: 'tcp' }] },

  // --- Deployments ------------------------------------------------------------

  // Deploy to one cluster or a list of them. `maxReplicas` turns on autoscaling;
  // `path` is the manifests' directory (default `deploy/<cluster>`).
  deploy(clusters, replicas=1, maxReplicas=null, targetCpuPercent=70, path=null, revision=null):: {
    local s = self,
    deployments+: [
      deployment(s, cluster, replicas, maxReplicas, targetCpuPercent, path, revision)
      for cluster in acme.asArray(clusters)
    ],
  },

  // Production clusters (default: all of them). Replicas and autoscaling follow the
  // tier unless given: tier 1 runs 3 replicas and tier 2 two, both autoscaling up to
  // three times that; tier 3 runs one, without autoscaling.
  production(clusters=acme.clusters.production, replicas=null, maxReplicas=null):: {
    local s = self,
    local defaults = acme.tier(s.tier),
    local r = if replicas != null then replicas else defaults.productionReplicas,
    local max = if maxReplicas != null then maxReplicas
                else if defaults.autoscale then 3 * r
                else null,
    deployments+: [deployment(s, cluster, r, max) for cluster in acme.asArray(clusters)],
  },

  // Staging clusters (default: all of them), one replica unless given.
  staging(clusters=acme.clusters.staging, replicas=1):: $.deploy(clusters, replicas),

  // Development clusters (default: all of them), one replica unless given.
  development(clusters=acme.clusters.development, replicas=1):: $.deploy(clusters, replicas),

  // Staging and development on their default clusters: the usual pre-production pair.
  preProduction:: $.staging() + $.development(),

  // --- Resources ----------------------------------------------------------------

  // A managed PostgreSQL database; highly available by default for tier 1.
  postgres(name, size='small', version='16', highAvailability=null):: {
    local s = self,
    resources+: {
      postgres+: [{
        name: name,
        version: version,
        size: size,
        highAvailability: if highAvailability != null then highAvailability else s.tier == 1,
      }],
    },
  },

  // A managed Redis instance.
  redis(name, memoryGb=1):: {
    resources+: { redis+: [{ name: name, memoryGb: memoryGb }] },
  },

  // An object-storage bucket, versioned by default; `retentionDays` expires objects.
  bucket(name, versioning=true, retentionDays=null):: {
    resources+: {
      buckets+: [
        { name: name, versioning: versioning }
        + (if retentionDays != null then { retentionDays: retentionDays } else {}),
      ],
    },
  },

  // --- Everything else ----------------------------------------------------------

  // The services this one calls.
  dependsOn(services):: { dependsOn+: acme.asArray(services) },

  // Environment variables, merged over the defaults.
  env(vars):: { env+: vars },

  // Per-replica compute, replacing the tier's default.
  requests(cpu, memory):: { requests: { cpu: cpu, memory: memory } },

  // SLO over the tier's default (latency kept unless given); the standard alerts follow it.
  slo(availability, latencyP99Ms=null):: {
    slo+: { availability: availability }
          + (if latencyP99Ms != null then { latencyP99Ms: latencyP99Ms } else {}),
  },

  // A custom alert.
  alert(name, expr, summary, severity='ticket', forDuration='5m'):: {
    alerts+: [{ name: name, expr: expr, 'for': forDuration, severity: severity, summary: summary }],
  },

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
