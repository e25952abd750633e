#!/usr/bin/env python3
"""Generate a synthetic registry for benchmarks.

    python3 bench/generate.py N OUT_DIR [--seed S] [--generated-path PATH]

Writes a registry rooted at OUT_DIR with N services, and teams, cloud projects and clusters in
proportion:

* one team per ~10 services, in a hierarchy (a root team, groups under it, teams under those);
* one cloud project per ~200 services (at least 3), on gcp, aws and azure, across the three
  environments;
* one cluster per ~100 services (at least 4), grouped in fleets of two production clusters,
  one staging and one development cluster;
* a generated `lib/` of golden-path helpers, used by every entity file;
* `all.libsonnet`, one root document importing every entity, to evaluate the same registry with
  the `jrsonnet` command-line tool: `jrsonnet -J OUT_DIR/lib OUT_DIR/all.libsonnet`. (It is a
  `.libsonnet` so that `registry check` does not warn about a `.jsonnet` file outside every
  kind's directory.)

The settings' `generatedPath` is `generated/<basename of OUT_DIR>` unless given, so registries
of several sizes side by side in one directory each get their own output directory beside
them (`registry build` writes it, `registry check` compares with it).

The output is deterministic for a given N and seed. Services depend only on services with a
lower index (so there are no cycles), and production services only on production services, so
the registry checks clean. Writes `OUT_DIR/.generator` last: the SHA-256 of this script, N and
the seed, so a caller can tell a complete, current registry from a stale or partial one. Only
the Python 3 standard library is used.
"""

import argparse
import hashlib
import math
import os
import random
import shutil
import sys
import tempfile

ORG = "acme"
DOMAIN = "acme.example"

ENVIRONMENTS = ["production", "staging", "development"]
PROVIDERS = ["gcp", "aws", "azure"]
REGIONS = {
    "gcp": ["europe-west1", "us-central1", "asia-northeast1", "europe-north1"],
    "aws": ["eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1"],
    "azure": ["westeurope", "eastus2", "southeastasia", "northeurope"],
}
MACHINES = {
    "gcp": ("e2-standard-8", "n2-highmem-4", "e2-standard-4"),
    "aws": ("m6i.2xlarge", "r6i.xlarge", "m6i.xlarge"),
    "azure": ("Standard_D8s_v5", "Standard_E4s_v5", "Standard_D4s_v5"),
}
# The order of environments within a fleet's clusters: every fleet gets at least two
# production clusters, one staging and one development cluster.
CLUSTER_PATTERN = ["production", "staging", "production", "development"]
ENV_SHORT = {"production": "prod", "staging": "stg", "development": "dev"}

DOMAINS = [
    "payments", "ledger", "billing", "checkout", "catalog", "search", "identity", "fraud",
    "risk", "shipping", "inventory", "pricing", "promotions", "notifications", "messaging",
    "analytics", "reporting", "storefront", "mobile", "partners", "merchants", "payouts",
    "accounts", "compliance", "support", "content", "media", "maps", "loyalty", "reviews",
    "orders", "returns", "tax", "treasury", "lending", "insights", "growth", "ads",
]
ROLES = [
    "api", "worker", "gateway", "service", "scheduler", "ingest", "sync", "indexer", "bff",
    "store", "router", "engine", "exporter", "processor", "consumer", "publisher", "cache",
    "admin", "web", "jobs",
]
GROUP_WORDS = [
    "commerce", "money", "platform", "data", "trust", "experience", "operations", "core",
    "marketplace", "fintech", "logistics", "intelligence",
]
VERBS = [
    "Serves", "Computes", "Stores", "Routes", "Reconciles", "Indexes", "Publishes", "Validates",
    "Schedules", "Aggregates", "Exports", "Tracks",
]
OBJECTS = [
    "orders", "payments", "invoices", "refunds", "customer profiles", "product listings",
    "shipments", "balances", "risk signals", "search queries", "notifications", "price quotes",
    "merchant settings", "audit events", "feature flags", "exchange rates", "reviews",
    "loyalty points", "tax rules", "stock levels",
]
AUDIENCES = [
    "for the storefront", "for internal tools", "for partner integrations", "for mobile apps",
    "for the finance team", "for downstream analytics", "for the public API",
    "for back-office workflows",
]
FIRST = [
    "Ana", "Bo", "Camille", "David", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Lars", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zofia",
]
LAST = [
    "Martin", "Chen", "Dubois", "Okafor", "Yilmaz", "Haddad", "Kim", "Tanaka", "Silva", "Berg",
    "Adeyemi", "Nielsen", "Patel", "Rahman", "Khan", "Nair", "Walsh", "Rossi", "Lindqvist",
    "Moreau", "Novak", "Garcia", "Wang", "Lopez", "Hassan", "Kowalski",
]
LANGUAGES = [
    ("go", 30), ("java", 14), ("kotlin", 10), ("python", 14), ("typescript", 14), ("rust", 6),
    ("ruby", 5), ("scala", 3), ("elixir", 2), ("other", 2),
]
QUEUES = ["events", "jobs", "outbox", "commands", "updates", "webhooks"]


def weighted(rng, pairs):
    total = sum(weight for _, weight in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def q(text):
    """A Jsonnet single-quoted string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def jlist(items):
    return "[" + ", ".join(q(item) for item in items) + "]"


# --- lib/ ------------------------------------------------------------------------------------

ACME_LIB = r"""// Organisation-wide constants and the defaults every golden path draws on.
local fleets = import 'fleets.libsonnet';

{
  org: 'acme',
  domain: 'acme.example',

  // Where a service's source lives unless it says otherwise.
  repo(name):: 'https://github.com/%s/%s.git' % [self.org, name],

  // Work e-mail of a member, from their forge login.
  email(login):: '%s@%s' % [std.asciiLower(login), self.domain],

  // Kubernetes minor version new clusters start on.
  kubernetesVersion: '1.31',

  // The clusters of each fleet, by environment (generated from clusters/).
  fleets:: fleets,
  fleet(name):: fleets[name],

  // What each tier gets by default: 1 is business-critical, 3 is best effort.
  tiers:: {
    '1': {
      slo: { availability: 99.95, latencyP99Ms: 300 },
      requests: { cpu: '500m', memory: '512Mi' },
      productionReplicas: 3,
      autoscale: true,
      logLevel: 'info',
      severity: 'page',
    },
    '2': {
      slo: { availability: 99.9, latencyP99Ms: 500 },
      requests: { cpu: '250m', memory: '256Mi' },
      productionReplicas: 2,
      autoscale: true,
      logLevel: 'info',
      severity: 'page',
    },
    '3': {
      slo: { availability: 99.5, latencyP99Ms: 1000 },
      requests: { cpu: '100m', memory: '128Mi' },
      productionReplicas: 1,
      autoscale: false,
      logLevel: 'debug',
      severity: 'ticket',
    },
  },
  tier(t):: self.tiers[std.toString(t)],

  // Runtime settings each language's base image expects.
  languageEnv:: {
    go: { GOMAXPROCS: '2', GOMEMLIMIT: '400MiB' },
    java: { JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC' },
    kotlin: self.java,
    scala: self.java,
    python: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    ruby: { RAILS_LOG_TO_STDOUT: 'true', RAILS_ENV: 'production' },
    rust: { RUST_LOG: 'info', RUST_BACKTRACE: '1' },
    typescript: { NODE_ENV: 'production', NODE_OPTIONS: '--max-old-space-size=384' },
    elixir: { ERL_MAX_PORTS: '65536', MIX_ENV: 'prod' },
    other: {},
  },

  // 'payments-api' -> 'PaymentsApi': a service name as the prefix of alert names.
  camelCase(name)::
    std.join('', [
      std.asciiUpper(std.substr(part, 0, 1)) + std.substr(part, 1, std.length(part) - 1)
      for part in std.split(name, '-')
    ]),

  // 'payments-api' -> 'PAYMENTS_API': a name as an environment variable prefix.
  envName(name):: std.strReplace(std.asciiUpper(name), '-', '_'),

  // A single value or a list, as a list.
  asArray(x):: if std.isArray(x) then x else [x],
}
"""

TEAM_LIB = r"""// Teams: who owns what, and who gets paged.
local acme = import 'acme.libsonnet';

local member(login, name, role) = {
  login: login,
  name: name,
  email: acme.email(login),
  role: role,
};

{
  // A team with Slack channel `#team-<name>` unless given, and no members yet.
  new(name, description, parent=null, slack=null):: {
    name: name,
    description: description,
    slack: if slack != null then slack else '#team-%s' % name,
    members: [],
    annotations: {
      'acme.example/backstage': 'https://backstage.%s/catalog/default/group/%s' % [acme.domain, name],
    },
  } + (if parent != null then { parent: parent } else {}),

  // Members, appended to any already listed; e-mails are `<login>@acme.example`.
  members(list):: { members+: list },
  lead(login, name):: member(login, name, 'lead'),
  manager(login, name):: member(login, name, 'manager'),
  engineer(login, name):: member(login, name, 'engineer'),

  // An on-call rotation (default `<name>-primary`), escalating to the parent team
  // unless `escalation` names another.
  onCall(hours='24x7', escalation=null, rotation=null):: {
    local t = self,
    local escalateTo = if escalation != null then escalation
                       else if std.objectHas(t, 'parent') then t.parent
                       else null,
    onCall: {
      rotation: if rotation != null then rotation else '%s-primary' % t.name,
      hours: hours,
    } + (if escalateTo != null then { escalation: escalateTo } else {}),
  },

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
"""

PROJECT_LIB = r"""// Cloud projects: a GCP project, an AWS account or an Azure subscription.
{
  // Any provider. Owned by the platform team and billed to engineering unless given.
  new(name, provider, cloudId, environment, region, owner='platform', costCentre='ENG-100', description=null):: {
    name: name,
    owner: owner,
    provider: provider,
    cloudId: cloudId,
    environment: environment,
    region: region,
    costCentre: costCentre,
    annotations: {
      'acme.example/terraform-root': 'infra/projects/%s' % name,
      'acme.example/environment': environment,
    },
  } + (if description != null then { description: description } else {}),

  gcp(name, projectId, environment, region='europe-west1', owner='platform', costCentre='ENG-100', description=null)::
    self.new(name, 'gcp', projectId, environment, region, owner, costCentre, description),

  aws(name, accountId, environment, region='eu-west-1', owner='platform', costCentre='ENG-100', description=null)::
    self.new(name, 'aws', accountId, environment, region, owner, costCentre, description),

  azure(name, subscriptionId, environment, region='westeurope', owner='platform', costCentre='ENG-100', description=null)::
    self.new(name, 'azure', subscriptionId, environment, region, owner, costCentre, description),

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
"""

CLUSTER_LIB = r"""// Kubernetes clusters and their node pools.
local acme = import 'acme.libsonnet';

{
  // A cluster on the org's Kubernetes version. Argo CD reaches it at
  // `https://api.<name>.k8s.acme.example` unless `argocdServer` says otherwise.
  new(name, project, environment, region, fleet, kubernetesVersion=acme.kubernetesVersion,
      argocdServer=null, description=null):: {
    name: name,
    project: project,
    environment: environment,
    region: region,
    kubernetesVersion: kubernetesVersion,
    argocd: {
      server: if argocdServer != null then argocdServer else 'https://api.%s.k8s.%s' % [name, acme.domain],
      namespace: 'argocd',
    },
    annotations: { 'acme.example/fleet': fleet },
  } + (if description != null then { description: description } else {}),

  // For the cluster Argo CD itself runs in: it deploys through the in-cluster API.
  argocdInCluster:: { argocd+: { server: 'https://kubernetes.default.svc' } },

  // An on-demand node pool.
  nodePool(name, machineType, minNodes=1, maxNodes=10):: {
    nodePools+: [{ name: name, machineType: machineType, minNodes: minNodes, maxNodes: maxNodes }],
  },

  // A spot/preemptible node pool that scales to zero.
  spotPool(name, machineType, maxNodes=10):: {
    nodePools+: [{ name: name, machineType: machineType, minNodes: 0, maxNodes: maxNodes, spot: true }],
  },

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
"""

SERVICE_LIB = r"""// The golden path for services. A service file starts from `service.new(...)` and adds
// what it needs with `+`. Mixins append to arrays and merge into objects (`+:`), so they
// compose in any order, and they read the final object (`self`) late, so defaults derived
// from the tier or the name follow any later override.
local acme = import 'acme.libsonnet';

// One entry of `deployments` for service `s`.
local deployment(s, cluster, replicas, maxReplicas=null, targetCpuPercent=70, path=null) =
  {
    cluster: cluster,
    namespace: s.namespace,
    replicas: replicas,
    path: if path != null then path else 'deploy/%s' % cluster,
  }
  + (if maxReplicas != null
     then { autoscaling: { maxReplicas: maxReplicas, targetCpuPercent: targetCpuPercent } }
     else {});

// An alert record.
local alert(name, expr, summary, severity, forDuration='5m') = {
  name: name,
  expr: expr,
  'for': forDuration,
  severity: severity,
  summary: summary,
};

{
  // 1. A service with the defaults of its tier: SLO, requests, pod alerts, telemetry
  //    environment, links, and the repository `https://github.com/acme/<name>.git`.
  //    `fleet` picks the clusters its deployments go to by default.
  new(name, owner, tier, language, description, fleet, repo=null, namespace=null):: {
    local s = self,
    local pods = 'namespace="%s",container="%s"' % [s.namespace, name],
    name: name,
    description: description,
    owner: owner,
    tier: tier,
    lifecycle: 'production',
    repo: if repo != null then repo else acme.repo(name),
    language: language,
    namespace:: if namespace != null then namespace else name,
    fleet:: acme.fleet(fleet),
    requests: acme.tier(tier).requests,
    slo: acme.tier(tier).slo,
    env: {
      OTEL_SERVICE_NAME: name,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc:4317',
      OTEL_RESOURCE_ATTRIBUTES: std.format('service.namespace=%s,service.tier=%d,team=%s,lifecycle=%s',
                                           [s.namespace, s.tier, s.owner, s.lifecycle]),
      LOG_FORMAT: 'json',
      LOG_LEVEL: acme.tier(s.tier).logLevel,
    } + acme.languageEnv[language],
    alerts: [
      alert(acme.camelCase(name) + 'CrashLooping',
            'increase(kube_pod_container_status_restarts_total{%s}[15m]) > 3' % pods,
            '%s pods are restarting repeatedly' % name, 'ticket'),
      alert(acme.camelCase(name) + 'OomKilled',
            'sum(increase(kube_pod_container_status_last_terminated_reason{%s,reason="OOMKilled"}[30m])) > 0' % pods,
            '%s containers were killed for running out of memory (request: %s)' % [name, s.requests.memory],
            'ticket', '1m'),
      alert(acme.camelCase(name) + 'PodsNotReady',
            std.format('sum(kube_pod_status_ready{%s,condition="false"}) / count(kube_pod_status_ready{%s}) > 0.5',
                       ['namespace="%s"' % s.namespace, 'namespace="%s"' % s.namespace]),
            'more than half of the %s pods are not ready' % name,
            acme.tier(s.tier).severity, '15m'),
    ],
    annotations: {
      'acme.example/runbook': 'https://runbooks.%s/services/%s' % [acme.domain, name],
      'acme.example/dashboard': 'https://grafana.%s/d/%s/%s-overview' % [acme.domain, std.md5(name)[0:9], name],
      'acme.example/docs': 'https://backstage.%s/catalog/default/component/%s/docs' % [acme.domain, name],
      'acme.example/slack': '#team-%s' % s.owner,
      'acme.example/pager': '%s-primary' % s.owner,
      'acme.example/tier': 'tier-%d' % s.tier,
    },
  },

  // 2. Not yet fit for production: may only run in development and staging.
  experimental:: { lifecycle: 'experimental', env+: { FEATURE_PREVIEW: 'true' } },

  // 3. On its way out; `replacedBy` names its successor, `sunset` the planned removal date.
  deprecated(replacedBy=null, sunset=null):: {
    lifecycle: 'deprecated',
    annotations+: (if replacedBy != null then { 'acme.example/replaced-by': replacedBy } else {})
                  + (if sunset != null then { 'acme.example/sunset': sunset } else {}),
  },

  // 4. An HTTP port, with multi-window error-budget burn alerts and a p99 latency alert.
  http(port=8080, name='http'):: {
    local s = self,
    local selector = 'service="%s",port="%s"' % [s.name, name],
    local burn(factor, long, short) = std.format(
      '(sum(rate(http_requests_total{%s,code=~"5.."}[%s])) / sum(rate(http_requests_total{%s}[%s])) > %s) and (sum(rate(http_requests_total{%s,code=~"5.."}[%s])) / sum(rate(http_requests_total{%s}[%s])) > %s)',
      [selector, long, selector, long, std.format('%.5f', factor * (100 - s.slo.availability) / 100),
       selector, short, selector, short, std.format('%.5f', factor * (100 - s.slo.availability) / 100)]
    ),
    ports+: [{ name: name, port: port, protocol: 'http' }],
    env+: { [if name == 'http' then 'PORT' else acme.envName(name) + '_PORT']: std.toString(port) },
    alerts+: [
      alert(acme.camelCase(s.name) + acme.camelCase(name) + 'FastBurn', burn(14.4, '1h', '5m'),
            '%s is burning its %s error budget 14x too fast' % [s.name, std.toString(s.slo.availability)],
            if s.tier <= 2 then 'page' else 'ticket', '2m'),
      alert(acme.camelCase(s.name) + acme.camelCase(name) + 'SlowBurn', burn(6, '6h', '30m'),
            '%s is burning its error budget 6x too fast' % s.name, 'ticket', '15m'),
      alert(acme.camelCase(s.name) + acme.camelCase(name) + 'HighLatency',
            std.format('histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{%s}[5m]))) * 1000 > %d',
                       [selector, s.slo.latencyP99Ms]),
            '%s p99 latency is above %d ms' % [s.name, s.slo.latencyP99Ms],
            if s.tier == 1 then 'page' else 'ticket', '10m'),
    ],
  },

  // 5. A gRPC port, with alerts on server errors and latency.
  grpc(port=9090, name='grpc'):: {
    local s = self,
    local selector = 'grpc_service=~"%s\\\\..*",namespace="%s"' % [std.strReplace(s.name, '-', '_'), s.namespace],
    ports+: [{ name: name, port: port, protocol: 'grpc' }],
    env+: { GRPC_PORT: std.toString(port), GRPC_GO_RETRY: 'on' },
    alerts+: [
      alert(acme.camelCase(s.name) + 'GrpcErrors',
            std.format('sum(rate(grpc_server_handled_total{%s,grpc_code=~"Internal|Unavailable|DeadlineExceeded"}[5m])) / sum(rate(grpc_server_handled_total{%s}[5m])) > %s',
                       [selector, selector, std.format('%.4f', 10 * (100 - s.slo.availability) / 100)]),
            '%s is returning gRPC server errors' % s.name,
            if s.tier <= 2 then 'page' else 'ticket'),
      alert(acme.camelCase(s.name) + 'GrpcLatency',
            std.format('histogram_quantile(0.99, sum by (le) (rate(grpc_server_handling_seconds_bucket{%s}[5m]))) * 1000 > %d',
                       [selector, s.slo.latencyP99Ms]),
            '%s gRPC p99 latency is above %d ms' % [s.name, s.slo.latencyP99Ms], 'ticket', '10m'),
    ],
  },

  // 6. A raw TCP port (no standard alerts).
  tcp(port, name='tcp'):: { ports+: [{ name: name, port: port, protocol: 'tcp' }] },

  // 7. Deploy to one cluster or a list of them. `maxReplicas` turns on autoscaling.
  deploy(clusters, replicas=1, maxReplicas=null, targetCpuPercent=70, path=null):: {
    local s = self,
    deployments+: [
      deployment(s, cluster, replicas, maxReplicas, targetCpuPercent, path)
      for cluster in acme.asArray(clusters)
    ],
  },

  // 8. Production clusters (default: the fleet's). Replicas and autoscaling follow the tier
  //    unless given: tier 1 runs 3 replicas and tier 2 two, both autoscaling up to three times
  //    that; tier 3 runs one, without autoscaling.
  production(clusters=null, replicas=null, maxReplicas=null, targetCpuPercent=70):: {
    local s = self,
    local defaults = acme.tier(s.tier),
    local r = if replicas != null then replicas else defaults.productionReplicas,
    local max = if maxReplicas != null then maxReplicas
                else if defaults.autoscale then 3 * r
                else null,
    local targets = if clusters != null then acme.asArray(clusters) else s.fleet.production,
    deployments+: [deployment(s, cluster, r, max, targetCpuPercent) for cluster in targets],
  },

  // 9. Staging clusters (default: the fleet's), one replica unless given.
  staging(clusters=null, replicas=1):: {
    local s = self,
    deployments+: [
      deployment(s, cluster, replicas)
      for cluster in (if clusters != null then acme.asArray(clusters) else s.fleet.staging)
    ],
  },

  // 10. Development clusters (default: the fleet's), one replica unless given.
  development(clusters=null, replicas=1):: {
    local s = self,
    deployments+: [
      deployment(s, cluster, replicas)
      for cluster in (if clusters != null then acme.asArray(clusters) else s.fleet.development)
    ],
  },

  // Staging and development on the fleet's clusters: the usual pre-production pair.
  preProduction:: $.staging() + $.development(),

  // 11. A managed PostgreSQL database; highly available by default for tier 1, with
  //     alerts on connections, replication lag and disk.
  postgres(name, size='small', version='16', highAvailability=null):: {
    local s = self,
    local ha = if highAvailability != null then highAvailability else s.tier == 1,
    local db = 'database="%s-%s"' % [s.name, name],
    resources+: {
      postgres+: [{ name: name, version: version, size: size, highAvailability: ha }],
    },
    env+: {
      [acme.envName(name) + '_PGHOST']: '%s-%s.postgres.%s.svc' % [s.name, name, s.namespace],
      [acme.envName(name) + '_PGDATABASE']: std.strReplace(name, '-', '_'),
      [acme.envName(name) + '_PGSSLMODE']: 'verify-full',
    },
    alerts+: [
      alert(acme.camelCase(s.name) + acme.camelCase(name) + 'PgConnections',
            'sum(pg_stat_activity_count{%s}) / max(pg_settings_max_connections{%s}) > 0.8' % [db, db],
            'database %s of %s is using over 80%% of its connections' % [name, s.name], 'ticket'),
      alert(acme.camelCase(s.name) + acme.camelCase(name) + 'PgDiskFull',
            'predict_linear(pg_database_size_bytes{%s}[6h], 86400 * 3) > pg_volume_capacity_bytes{%s}' % [db, db],
            'database %s of %s will fill its %s volume within 3 days' % [name, s.name, size],
            acme.tier(s.tier).severity, '30m'),
    ] + (if ha then [
      alert(acme.camelCase(s.name) + acme.camelCase(name) + 'PgReplicationLag',
            'max(pg_replication_lag_seconds{%s}) > 30' % db,
            'the standby of %s/%s is over 30 s behind' % [s.name, name], 'ticket', '10m'),
    ] else []),
  },

  // 12. A managed Redis instance, with a memory alert.
  redis(name, memoryGb=1):: {
    local s = self,
    resources+: { redis+: [{ name: name, memoryGb: memoryGb }] },
    env+: { [acme.envName(name) + '_REDIS_URL']: 'rediss://%s-%s.redis.%s.svc:6380' % [s.name, name, s.namespace] },
    alerts+: [
      alert(acme.camelCase(s.name) + acme.camelCase(name) + 'RedisMemory',
            std.format('redis_memory_used_bytes{instance="%s-%s"} > %d', [s.name, name, std.floor(memoryGb * 1024 * 1024 * 1024 * 0.9)]),
            'redis %s of %s is above 90%% of %d GB' % [name, s.name, memoryGb], 'ticket', '15m'),
    ],
  },

  // 13. An object-storage bucket, versioned by default; `retentionDays` expires objects.
  bucket(name, versioning=true, retentionDays=null):: {
    local s = self,
    resources+: {
      buckets+: [
        { name: name, versioning: versioning }
        + (if retentionDays != null then { retentionDays: retentionDays } else {}),
      ],
    },
    env+: { [acme.envName(std.strReplace(name, 'acme-', '')) + '_BUCKET']: name },
  },

  // 14. The services this one calls, and where to find them.
  dependsOn(services):: {
    dependsOn+: acme.asArray(services),
    env+: {
      [acme.envName(dep) + '_ADDR']: '%s.%s.svc.cluster.local' % [dep, dep]
      for dep in acme.asArray(services)
    },
  },

  // 15. Environment variables, merged over the defaults.
  env(vars):: { env+: vars },

  // 16. Per-replica compute, replacing the tier's default.
  requests(cpu, memory):: { requests: { cpu: cpu, memory: memory } },

  // 17. SLO over the tier's default (latency kept unless given); the standard alerts follow it.
  slo(availability, latencyP99Ms=null):: {
    slo+: { availability: availability }
          + (if latencyP99Ms != null then { latencyP99Ms: latencyP99Ms } else {}),
  },

  // 18. A custom alert.
  alert(name, expr, summary, severity='ticket', forDuration='5m'):: {
    alerts+: [alert(name, expr, summary, severity, forDuration)],
  },

  // 19. A queue consumer: an alert on its lag, and the queue's name in its environment.
  queueConsumer(queue, maxLagSeconds=300):: {
    local s = self,
    env+: { QUEUE_NAME: '%s.%s' % [s.name, queue] },
    alerts+: [
      alert(acme.camelCase(s.name) + acme.camelCase(queue) + 'QueueLag',
            'max(queue_oldest_message_age_seconds{queue="%s.%s"}) > %d' % [s.name, queue, maxLagSeconds],
            '%s is over %d s behind on %s' % [s.name, maxLagSeconds, queue],
            acme.tier(s.tier).severity, '10m'),
    ],
  },

  // 20. Free-form annotations.
  annotations(values):: { annotations+: values },
}
"""

REGISTRY_JSONNET = r"""// Registry settings. Evaluated before anything else, so it cannot import from lib/.
{
  org: 'acme',
  repo: 'https://github.com/acme/platform.git',
  revision: 'main',
  generatedPath: %(generated)s,
  libraryPaths: ['lib'],
  publish: { url: 'file://../published' },

  policies: {
    'tier1-replicas': 'error',
    'unstable-dependency': 'error',
    'lifecycle-environment': 'error',
    credential: 'error',
  },

  lifecycleEnvironments: {
    experimental: ['development', 'staging'],
    production: ['development', 'staging', 'production'],
    deprecated: ['development', 'staging', 'production'],
  },

  annotations: {
    'acme.example/owner': 'platform',
    'acme.example/synthetic': 'true',
  },
}
"""


# --- The model ---------------------------------------------------------------------------------

class Registry:
    def __init__(self, n, seed, generated_path):
        self.n = n
        self.generated_path = generated_path
        self.rng = random.Random(seed * 1_000_003 + n)
        self.files = {}  # relative path -> text
        self.teams = []  # (name, parent or None, is_leaf)
        self.projects = []  # dicts
        self.clusters = []  # dicts
        self.fleets = []  # fleet name -> {env: [clusters]}
        self.services = []  # dicts

    # Teams: a root, groups under it, and leaf teams under the groups.
    def make_teams(self):
        rng = self.rng
        total = max(4, math.ceil(self.n / 10))
        groups = max(1, round(total / 12))
        leaves = max(2, total - 1 - groups)
        self.teams.append(("engineering", None, False))
        group_names = []
        for g in range(groups):
            name = "%s-group-%d" % (GROUP_WORDS[g % len(GROUP_WORDS)], g + 1)
            group_names.append(name)
            self.teams.append((name, "engineering", False))
        width = len(str(leaves))
        self.leaf_teams = []
        for t in range(leaves):
            word = DOMAINS[rng.randrange(len(DOMAINS))]
            name = "%s-%0*d" % (word, width, t + 1)
            self.leaf_teams.append(name)
            self.teams.append((name, group_names[t % groups], True))
        self.group_names = group_names

    def write_teams(self):
        rng = self.rng
        for name, parent, leaf in self.teams:
            if parent is None:
                description = "All of engineering: the last stop of every escalation."
            elif not leaf:
                description = "The %s group: its managers and the teams under them." % name.split("-")[0]
            else:
                description = "Owns %s and %s %s." % (
                    rng.choice(OBJECTS), rng.choice(OBJECTS), rng.choice(AUDIENCES))
            members = []
            count = rng.randint(4, 8) if leaf else rng.randint(2, 3)
            roles = (["manager"] if not leaf else []) + ["lead"] + ["engineer"] * count
            logins = set()
            for role in roles[:count]:
                # Logins are unique within a team (the registry refuses a repeated one).
                while True:
                    first, last = rng.choice(FIRST), rng.choice(LAST)
                    login = "%s%s%d" % (first[0].lower(), last.lower(), rng.randint(1, 99))
                    if login not in logins:
                        break
                logins.add(login)
                members.append("  team.%s(%s, %s)," % (role, q(login), q("%s %s" % (first, last))))
            lines = ["local team = import 'team.libsonnet';", ""]
            head = "team.new(%s, %s" % (q(name), q(description))
            if parent is None:
                head += ", slack='#engineering')"
            else:
                head += ", parent=%s)" % q(parent)
            lines.append(head)
            lines.append("+ team.members([")
            lines.extend(members)
            lines.append("])")
            if parent is None:
                lines.append("+ team.onCall(rotation='eng-incident-commander')")
            elif rng.random() < 0.2:
                lines.append("+ team.onCall(hours='business-hours')")
            else:
                lines.append("+ team.onCall()")
            lines.append("+ team.annotations({ 'acme.example/cost-centre': %s })"
                         % q("ENG-%d" % rng.randint(100, 999)))
            self.files["teams/%s.jsonnet" % name] = "\n".join(lines) + "\n"

    def make_projects(self):
        rng = self.rng
        total = max(3, math.ceil(self.n / 200))
        for i in range(total):
            provider = PROVIDERS[i % 3]
            environment = ENVIRONMENTS[(i + i // 3) % 3]
            region = REGIONS[provider][(i // 3) % len(REGIONS[provider])]
            name = "%s-%s-%s-%d" % (ORG, provider, ENV_SHORT[environment], i + 1)
            if provider == "gcp":
                cloud_id = "%s-%06d" % (name, rng.randrange(10**6))
            elif provider == "aws":
                cloud_id = "%012d" % rng.randrange(10**11, 10**12)
            else:
                h = "%032x" % rng.getrandbits(128)
                cloud_id = "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
            owner = self.group_names[i % len(self.group_names)] if i % 4 == 3 else "engineering"
            self.projects.append({
                "name": name, "provider": provider, "environment": environment,
                "region": region, "cloudId": cloud_id, "owner": owner,
                "costCentre": "%s-%d" % (rng.choice(["ENG", "DATA", "PAY", "OPS"]), rng.randint(100, 999)),
            })

    def write_projects(self):
        for p in self.projects:
            arg = {"gcp": "projectId", "aws": "accountId", "azure": "subscriptionId"}[p["provider"]]
            lines = [
                "local project = import 'project.libsonnet';",
                "",
                "project.%s(%s, %s=%s, environment=%s, region=%s," % (
                    p["provider"], q(p["name"]), arg, q(p["cloudId"]), q(p["environment"]), q(p["region"])),
                "            owner=%s, costCentre=%s," % (q(p["owner"]), q(p["costCentre"])),
                "            description=%s)" % q("%s %s workloads in %s." % (
                    p["provider"].upper(), p["environment"], p["region"])),
                "+ project.annotations({ 'acme.example/data-residency': %s })" % q(
                    "eu" if p["region"].startswith(("eu", "west", "north")) else "global"),
            ]
            self.files["projects/%s.jsonnet" % p["name"]] = "\n".join(lines) + "\n"

    def make_clusters(self):
        total = max(4, math.ceil(self.n / 100))
        fleets = max(1, total // 4)
        by_env = {env: [p for p in self.projects if p["environment"] == env] for env in ENVIRONMENTS}
        used = {env: 0 for env in ENVIRONMENTS}
        self.fleets = [{env: [] for env in ENVIRONMENTS} for _ in range(fleets)]
        for i in range(total):
            environment = CLUSTER_PATTERN[i % 4]
            fleet = (i // 4) % fleets
            project = by_env[environment][used[environment] % len(by_env[environment])]
            used[environment] += 1
            name = "%s-%s-%d" % (ENV_SHORT[environment], project["region"], i + 1)
            self.clusters.append({"name": name, "project": project, "environment": environment,
                                  "fleet": "fleet-%d" % (fleet + 1), "index": i})
            self.fleets[fleet][environment].append(name)

    def write_clusters(self):
        rng = self.rng
        for c in self.clusters:
            p = c["project"]
            general, memory, spot = MACHINES[p["provider"]]
            prod = c["environment"] == "production"
            lines = [
                "local cluster = import 'cluster.libsonnet';",
                "local project = import '../projects/%s.jsonnet';" % p["name"],
                "",
                "cluster.new(%s, project=project.name, environment=project.environment," % q(c["name"]),
                "            region=project.region, fleet=%s%s," % (
                    q(c["fleet"]), "" if rng.random() < 0.7 else ", kubernetesVersion='1.32'"),
                "            description=%s)" % q("%s cluster %d of %s, in %s." % (
                    c["environment"].capitalize(), c["index"] + 1, c["fleet"], p["region"])),
            ]
            if c["index"] == 0:
                lines.append("+ cluster.argocdInCluster")
            lines.append("+ cluster.nodePool('general', %s, minNodes=%d, maxNodes=%d)" % (
                q(general), 3 if prod else 1, rng.choice([12, 18, 24, 36]) if prod else 6))
            if prod:
                lines.append("+ cluster.nodePool('memory', %s, minNodes=2, maxNodes=%d)" % (
                    q(memory), rng.choice([8, 12, 16])))
            lines.append("+ cluster.spotPool('batch', %s, maxNodes=%d)" % (q(spot), rng.choice([10, 20, 30])))
            self.files["clusters/%s.jsonnet" % c["name"]] = "\n".join(lines) + "\n"

    def write_fleets(self):
        lines = ["// The clusters of each fleet, by environment. Generated with the clusters.", "{"]
        for i, fleet in enumerate(self.fleets):
            lines.append("  'fleet-%d': {" % (i + 1))
            for env in ENVIRONMENTS:
                lines.append("    %s: %s," % (env, jlist(fleet[env])))
            lines.append("  },")
        lines.append("}")
        self.files["lib/fleets.libsonnet"] = "\n".join(lines) + "\n"

    def make_services(self):
        rng = self.rng
        width = len(str(self.n))
        production = []  # indices of production-lifecycle services, ascending
        for i in range(self.n):
            name = "%s-%s-%0*d" % (rng.choice(DOMAINS), rng.choice(ROLES), width, i + 1)
            lifecycle = weighted(rng, [("production", 80), ("deprecated", 12), ("experimental", 8)])
            if i < 20:
                lifecycle = "production"  # the core every registry grows around
            tier = weighted(rng, [(1, 15), (2, 40), (3, 45)])
            pool = production if lifecycle == "production" else range(i)
            deps = []
            if pool:
                want = min(len(pool), weighted(rng, [(0, 10), (1, 20), (2, 25), (3, 20), (4, 12), (5, 8), (6, 5)]))
                tries = 0
                while len(deps) < want and tries < 4 * want:
                    tries += 1
                    roll = rng.random()
                    if roll < 0.3:
                        j = pool[rng.randrange(min(len(pool), 20))]  # a core service
                    elif roll < 0.8:
                        j = pool[len(pool) - 1 - rng.randrange(min(len(pool), 300))]  # a neighbour
                    else:
                        j = pool[rng.randrange(len(pool))]
                    if j not in deps:
                        deps.append(j)
                deps.sort()
            self.services.append({
                "name": name, "lifecycle": lifecycle, "tier": tier, "deps": deps,
                "owner": rng.choice(self.leaf_teams),
                "language": weighted(rng, LANGUAGES),
                "fleet": "fleet-%d" % (rng.randrange(len(self.fleets)) + 1),
            })
            if lifecycle == "production":
                production.append(i)
        self.production = production

    def write_services(self):
        rng = self.rng
        for i, s in enumerate(self.services):
            name, tier, lifecycle = s["name"], s["tier"], s["lifecycle"]
            domain, role = name.split("-")[0], name.split("-")[1]
            description = "%s %s %s." % (rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(AUDIENCES))
            lines = [
                "local service = import 'service.libsonnet';",
                "",
                "service.new(%s, owner=%s, tier=%d, language=%s, fleet=%s," % (
                    q(name), q(s["owner"]), tier, q(s["language"]), q(s["fleet"])),
                "            description=%s)" % q(description),
            ]
            if lifecycle == "experimental":
                lines.append("+ service.experimental")
            elif lifecycle == "deprecated":
                successor = self.services[self.production[rng.randrange(min(len(self.production), 50))]]["name"]
                lines.append("+ service.deprecated(replacedBy=%s, sunset='%d-%02d-%02d')" % (
                    q(successor), rng.randint(2026, 2028), rng.randint(1, 12), rng.randint(1, 28)))
            # Ports.
            kind = weighted(rng, [("http", 45), ("grpc", 20), ("both", 25), ("worker", 10)])
            if kind in ("http", "both"):
                lines.append("+ service.http(%d)" % rng.choice([8080, 8080, 3000, 8000]))
            if kind in ("grpc", "both"):
                lines.append("+ service.grpc(9090)")
            if kind == "worker" or rng.random() < 0.15:
                lines.append("+ service.queueConsumer(%s, maxLagSeconds=%d)" % (
                    q(rng.choice(QUEUES)), rng.choice([60, 300, 900])))
            if rng.random() < 0.08:
                lines.append("+ service.tcp(9901, name='admin')")
            # Deployments.
            if lifecycle == "experimental":
                lines.append("+ service.preProduction" if rng.random() < 0.6 else "+ service.staging()")
            else:
                roll = rng.random()
                if tier == 1 and roll < 0.4:
                    replicas = rng.choice([3, 4, 6])
                    lines.append("+ service.production(replicas=%d, maxReplicas=%d)" % (replicas, replicas * 4))
                elif tier == 3 and roll < 0.3:
                    lines.append("+ service.production(replicas=2)")
                elif roll < 0.15:
                    fleet = self.fleets[int(s["fleet"].split("-")[1]) - 1]
                    lines.append("+ service.production(%s)" % q(fleet["production"][0]))
                else:
                    lines.append("+ service.production()")
                lines.append("+ service.preProduction" if rng.random() < 0.85 else "+ service.staging()")
            # Resources.
            if kind != "worker" and rng.random() < 0.55:
                size = {1: "large", 2: "medium", 3: "small"}[tier]
                extra = ", version='17'" if rng.random() < 0.2 else ""
                lines.append("+ service.postgres(%s, size=%s%s)" % (q(domain), q(size), extra))
            if rng.random() < 0.35:
                lines.append("+ service.redis(%s, memoryGb=%d)" % (q(rng.choice(["cache", "sessions", "locks"])),
                                                                   rng.choice([1, 2, 4, 8])))
            if rng.random() < 0.3:
                retention = rng.choice([None, 30, 90, 400])
                lines.append("+ service.bucket(%s%s)" % (
                    q("acme-%s-%d-%s" % (domain, i + 1, rng.choice(["exports", "archive", "assets"]))),
                    "" if retention is None else ", retentionDays=%d" % retention))
            # Tuning.
            if tier == 1 and rng.random() < 0.5:
                lines.append("+ service.slo(%s, latencyP99Ms=%d)" % (rng.choice(["99.99", "99.95"]),
                                                                     rng.choice([150, 200, 250])))
            if rng.random() < 0.3:
                cpu, memory = rng.choice([("250m", "512Mi"), ("1", "1Gi"), ("2", "4Gi"), ("100m", "256Mi")])
                lines.append("+ service.requests(%s, %s)" % (q(cpu), q(memory)))
            if rng.random() < 0.4:
                lines.append("+ service.env({ %s_FEATURE_%s: 'true', CACHE_TTL_SECONDS: '%d' })" % (
                    domain.upper(), role.upper(), rng.choice([30, 60, 300])))
            if rng.random() < 0.25:
                lines.append("+ service.alert('%s%sBacklog'," % (
                    "".join(part.capitalize() for part in name.split("-")), domain.capitalize()))
                lines.append("                'sum(%s_backlog_total{service=\"%%s\"}) > %d' %% %s," % (
                    domain, rng.choice([100, 1000, 5000]), q(name)))
                lines.append("                '%s backlog is growing' %% %s)" % ("%s", q(name)))
            if rng.random() < 0.3:
                lines.append("+ service.annotations({ 'acme.example/component': %s })" % q(role))
            if s["deps"]:
                names = [self.services[j]["name"] for j in s["deps"]]
                if len(names) == 1 and rng.random() < 0.5:
                    lines.append("+ service.dependsOn(%s)" % q(names[0]))
                else:
                    lines.append("+ service.dependsOn(%s)" % jlist(names))
            self.files["services/%s.jsonnet" % name] = "\n".join(lines) + "\n"

    def write_all(self):
        lines = ["// Every entity of the registry in one document, for `jrsonnet -J lib all.libsonnet`.", "{"]
        for kind, names in (
            ("teams", [t[0] for t in self.teams]),
            ("projects", [p["name"] for p in self.projects]),
            ("clusters", [c["name"] for c in self.clusters]),
            ("services", [s["name"] for s in self.services]),
        ):
            lines.append("  %s: {" % kind)
            for name in names:
                lines.append("    %s: import %s," % (q(name), q("%s/%s.jsonnet" % (kind, name))))
            lines.append("  },")
        lines.append("}")
        self.files["all.libsonnet"] = "\n".join(lines) + "\n"

    def build(self):
        self.files["registry.jsonnet"] = REGISTRY_JSONNET % {"generated": q(self.generated_path)}
        self.files["lib/acme.libsonnet"] = ACME_LIB
        self.files["lib/team.libsonnet"] = TEAM_LIB
        self.files["lib/project.libsonnet"] = PROJECT_LIB
        self.files["lib/cluster.libsonnet"] = CLUSTER_LIB
        self.files["lib/service.libsonnet"] = SERVICE_LIB
        self.make_teams()
        self.make_projects()
        self.make_clusters()
        self.make_services()
        self.write_teams()
        self.write_projects()
        self.write_clusters()
        self.write_fleets()
        self.write_services()
        self.write_all()


def stamp(n, seed):
    """What `.generator` holds: this script's SHA-256, N and the seed."""
    with open(os.path.abspath(__file__), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return "%s %d %d\n" % (digest, n, seed)


def main():
    parser = argparse.ArgumentParser(description="Generate a synthetic registry for benchmarks.")
    parser.add_argument("n", type=int, help="number of services")
    parser.add_argument("out", help="output directory, the registry root (replaced if it holds a registry)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--generated-path", help="the settings' generatedPath (default: generated/<basename of OUT>)")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("N must be at least 1")

    out = os.path.abspath(args.out)
    generated = args.generated_path
    if generated is None:
        base = os.path.basename(out)
        valid = base and all(c.isalnum() or c in "._-" for c in base) and base not in (".", "..")
        generated = "generated/%s" % base if valid else "generated"

    registry = Registry(args.n, args.seed, generated)
    registry.build()

    if os.path.exists(out) and os.listdir(out) and not os.path.exists(os.path.join(out, "registry.jsonnet")):
        sys.exit("generate.py: %s exists and holds no registry; refusing to replace it" % out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".generate-", dir=parent)
    try:
        for path, text in registry.files.items():
            full = os.path.join(staging, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)
        with open(os.path.join(staging, ".generator"), "w", encoding="utf-8") as f:
            f.write(stamp(args.n, args.seed))
        os.chmod(staging, 0o755)
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    size = sum(len(text.encode("utf-8")) for text in registry.files.values())
    print("%s: %d services, %d teams, %d projects, %d clusters; %d files, %.1f MB of Jsonnet; generatedPath %s" % (
        args.out, len(registry.services), len(registry.teams), len(registry.projects),
        len(registry.clusters), len(registry.files), size / 1e6, generated))


if __name__ == "__main__":
    main()
