#!/usr/bin/env python3
"""Generate a synthetic registry for benchmarks, of another shape than generate.py's.

    python3 bench/generate_mixins.py N OUT_DIR [--seed S] [--generated-path PATH]

Writes a registry rooted at OUT_DIR with N services. Where `generate.py` makes many small
teams, flat directories, one helper file per kind and one Argo CD per cluster, this one makes
a deep golden-path library and big services:

* a `lib/` of 41 files, 34 of them golden-path mixins, layered five deep: `base.libsonnet`,
  imported by `platform/*` (alerts, telemetry, catalog, runtime, placement), imported by
  `core/*` (one mixin per file: ports, deployments, data stores, queues, dependencies,
  tuning), imported by `golden/*` (paved roads: HTTP API, gRPC API, edge gateway, worker,
  website, cron, datastore, streaming, library, preview, sunset), imported by `org/*` (one
  flavour of the paved roads per division); each service imports 3 to 8 of them and composes
  4 to 8 mixins with `+`;
* entity files in nested directories: `services/<division>/<team>/<name>.jsonnet`,
  `teams/<division>/<team>.jsonnet`, `projects/<provider>/<project>.jsonnet`,
  `clusters/<zone>/<cluster>.jsonnet`, and the clusters' CA bundles in `ca/`, read with
  `importstr`;
* big services, about 9 KB of compact JSON each (generate.py's are about 5 KB): up to four
  ports, 9 to 29 alerts, 24 to 52 environment variables, 17 to 24 annotations, up to 16
  dependencies, deployments to up to five clusters;
* few, big teams: one team per ~50 services, 8 to 14 members each, four levels deep (the
  root, four divisions, groups, teams); about 4% of services are libraries, some share their
  team's namespace, and packaging mixes Helm, Kustomize and plain directories;
* more cloud projects than clusters: one project per ~80 services (at least 6), one zone of 5
  clusters per ~1,250 services (3 production, 1 staging, 1 development); the zone's first
  production cluster runs the Argo CD that manages the other four (EKS, GKE or AKS auth and a
  CA bundle), where generate.py gives every cluster its own;
* `all.libsonnet`, one root document importing every entity, to evaluate the same registry
  with the `jrsonnet` command-line tool: `jrsonnet -J OUT_DIR/lib OUT_DIR/all.libsonnet`.

The settings' `generatedPath` is `generated/<basename of OUT_DIR>` unless given, as with
generate.py, so registries side by side in one directory each get their own output directory.

The output is deterministic for a given N and seed. Services depend only on services with a
lower index (so there are no cycles), production services only on production services, and
tier-1 services run at least 2 replicas in production, so the registry checks clean. Writes
`OUT_DIR/.generator` last: the SHA-256 of this script, N and the seed, so a caller can tell a
complete, current registry from a stale or partial one. Only the Python 3 standard library is
used.
"""

import argparse
import base64
import hashlib
import math
import os
import random
import re
import shutil
import sys
import tempfile

ORG = "acme"

ENVIRONMENTS = ["production", "staging", "development"]
ENV_SHORT = {"production": "prod", "staging": "stg", "development": "dev"}
PROVIDERS = ["gcp", "aws", "azure"]
REGIONS = {
    "gcp": ["europe-west1", "us-central1", "asia-northeast1", "europe-north1", "us-east4"],
    "aws": ["eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1", "us-west-2"],
    "azure": ["westeurope", "eastus2", "southeastasia", "northeurope", "westus3"],
}
MACHINES = {
    "gcp": ("n2-standard-16", "n2-highmem-8", "e2-standard-8"),
    "aws": ("m6i.4xlarge", "r6i.2xlarge", "m6i.2xlarge"),
    "azure": ("Standard_D16s_v5", "Standard_E8s_v5", "Standard_D8s_v5"),
}
# The environment of project i, cycling: production-heavy, as cloud estates are.
PROJECT_PATTERN = ["production", "production", "staging", "development", "production", "staging"]
# The clusters of a zone: three production clusters (the first runs the zone's Argo CD),
# one staging and one development cluster.
ZONE_PATTERN = ["production", "production", "production", "staging", "development"]

DIVISIONS = ["money", "commerce", "platform", "data"]
DIVISION_WORDS = {
    "money": ["payments", "ledger", "billing", "payouts", "treasury", "lending", "tax", "invoicing"],
    "commerce": ["checkout", "catalog", "search", "pricing", "orders", "returns", "loyalty", "reviews"],
    "platform": ["identity", "messaging", "gateway", "storage", "scheduler", "secrets", "builds", "edge"],
    "data": ["analytics", "insights", "reporting", "features", "warehouse", "streams", "ml", "quality"],
}
ROLES = [
    "api", "worker", "gateway", "svc", "scheduler", "ingest", "sync", "indexer", "bff", "store",
    "router", "engine", "exporter", "proc", "consumer", "publisher", "admin", "web", "jobs",
]
VERBS = [
    "Serves", "Computes", "Stores", "Routes", "Reconciles", "Indexes", "Publishes", "Validates",
    "Schedules", "Aggregates", "Exports", "Tracks", "Enriches", "Deduplicates",
]
OBJECTS = [
    "orders", "payments", "invoices", "refunds", "customer profiles", "product listings",
    "shipments", "balances", "risk signals", "search queries", "notifications", "price quotes",
    "merchant settings", "audit events", "feature flags", "exchange rates", "reviews",
    "loyalty points", "tax rules", "stock levels", "ledger entries", "settlement files",
]
AUDIENCES = [
    "for the storefront", "for internal tools", "for partner integrations", "for mobile apps",
    "for the finance team", "for downstream analytics", "for the public API",
    "for back-office workflows", "for the data platform", "for regulators",
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
    ("go", 28), ("java", 16), ("kotlin", 12), ("python", 14), ("typescript", 14), ("rust", 6),
    ("ruby", 4), ("scala", 3), ("elixir", 2), ("other", 1),
]
QUEUES = ["events", "jobs", "outbox", "commands", "updates", "webhooks", "retries", "audit"]
TOPICS = ["changes", "snapshots", "metrics", "signals", "facts", "ledger"]
JOBS = ["compact", "rollup", "reindex", "export", "cleanup", "settle", "backfill", "digest"]
DATABASES = ["main", "ledger", "catalog", "state", "events", "profiles"]

# The credential patterns `registry check` scans for (src/scan/mod.rs): the CA bundles are
# made of bytes derived from a hash, so each is checked against them, text and base64 alike.
CREDENTIAL_PATTERNS = [re.compile(p) for p in (
    r"-----BEGIN (?:RSA |DSA |EC |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----",
    r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    r"\bAIza[0-9A-Za-z_-]{35}\b",
    r"AccountKey=[A-Za-z0-9+/]{86}==",
    r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b",
    r"\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_-]{20,}",
    r"\bxox[abposr]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,}",
)]


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


def jobject(pairs):
    return "{ " + ", ".join("%s: %s" % (key if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key) else q(key), q(value))
                            for key, value in pairs) + " }"


# --- lib/: level 1 ---------------------------------------------------------------------------

BASE_LIB = r"""// Level 1 of the golden path: organisation constants and the helpers every layer uses.
// Imported by lib/platform/*, which lib/core/* imports, which lib/golden/* imports, which
// lib/org/* imports.
{
  org: 'acme',
  domain: 'acme.example',

  // Where a service's source lives unless it says otherwise.
  repo(name):: 'https://github.com/%s/%s.git' % [self.org, name],

  // Work e-mail of a member, from their forge login.
  email(login):: '%s@%s' % [std.asciiLower(login), self.domain],

  // Kubernetes minor version new clusters start on.
  kubernetesVersion: '1.31',

  // What each tier gets by default: 1 is business-critical, 3 is best effort.
  tiers:: {
    '1': {
      slo: { availability: 99.95, latencyP99Ms: 250 },
      requests: { cpu: '1', memory: '1Gi' },
      productionReplicas: 3,
      productionClusters: 3,
      autoscale: true,
      logLevel: 'info',
      severity: 'page',
      samplingRatio: '0.2',
    },
    '2': {
      slo: { availability: 99.9, latencyP99Ms: 500 },
      requests: { cpu: '500m', memory: '512Mi' },
      productionReplicas: 2,
      productionClusters: 2,
      autoscale: true,
      logLevel: 'info',
      severity: 'page',
      samplingRatio: '0.05',
    },
    '3': {
      slo: { availability: 99.5, latencyP99Ms: 1000 },
      requests: { cpu: '250m', memory: '256Mi' },
      productionReplicas: 1,
      productionClusters: 1,
      autoscale: false,
      logLevel: 'debug',
      severity: 'ticket',
      samplingRatio: '0.01',
    },
  },
  tier(t):: self.tiers[std.toString(t)],

  // 'payments-api' -> 'PaymentsApi': a name as the prefix of alert names.
  camelCase(name)::
    std.join('', [
      std.asciiUpper(std.substr(part, 0, 1)) + std.substr(part, 1, std.length(part) - 1)
      for part in std.split(name, '-')
    ]),

  // 'payments-api' -> 'PAYMENTS_API': a name as an environment variable prefix.
  envName(name):: std.strReplace(std.asciiUpper(name), '-', '_'),

  // A single value or a list, as a list.
  asArray(x):: if std.isArray(x) then x else [x],

  // An alert record.
  alert(name, expr, summary, severity, forDuration='5m'):: {
    name: name,
    expr: expr,
    'for': forDuration,
    severity: severity,
    summary: summary,
  },
}
"""

# --- lib/platform/: level 2 --------------------------------------------------------------------

PLATFORM_ALERTS_LIB = r"""// Level 2: the alert rules the golden paths build on, as functions of the service `s`.
local base = import 'base.libsonnet';

{
  // Pod health: restarts, OOM kills, readiness, CPU throttling and memory pressure.
  pods(s)::
    local pods = 'namespace="%s",container="%s"' % [s.namespace, s.name];
    local prefix = base.camelCase(s.name);
    [
      base.alert(prefix + 'CrashLooping',
                 'increase(kube_pod_container_status_restarts_total{%s}[15m]) > 3' % pods,
                 '%s pods are restarting repeatedly' % s.name, 'ticket'),
      base.alert(prefix + 'OomKilled',
                 'sum(increase(kube_pod_container_status_last_terminated_reason{%s,reason="OOMKilled"}[30m])) > 0' % pods,
                 '%s containers were killed for running out of memory (request: %s)' % [s.name, s.requests.memory],
                 'ticket', '1m'),
      base.alert(prefix + 'PodsNotReady',
                 std.format('sum(kube_pod_status_ready{%s,condition="false"}) / count(kube_pod_status_ready{%s}) > 0.5',
                            ['namespace="%s"' % s.namespace, 'namespace="%s"' % s.namespace]),
                 'more than half of the %s pods are not ready' % s.name,
                 base.tier(s.tier).severity, '15m'),
      base.alert(prefix + 'CpuThrottled',
                 'sum(rate(container_cpu_cfs_throttled_periods_total{%s}[10m])) / sum(rate(container_cpu_cfs_periods_total{%s}[10m])) > 0.25' % [pods, pods],
                 '%s is CPU-throttled over a quarter of the time (request: %s)' % [s.name, s.requests.cpu],
                 'info', '30m'),
      base.alert(prefix + 'MemoryPressure',
                 'max(container_memory_working_set_bytes{%s}) / max(kube_pod_container_resource_requests{%s,resource="memory"}) > 1.5' % [pods, pods],
                 '%s works with over 150%% of its memory request' % s.name, 'info', '30m'),
    ],

  // Multi-window error-budget burn of the requests matching `selector`.
  burn(s, selector, prefix)::
    local budget(factor) = std.format('%.5f', factor * (100 - s.slo.availability) / 100);
    local ratio(window) = std.format(
      'sum(rate(http_requests_total{%s,code=~"5.."}[%s])) / sum(rate(http_requests_total{%s}[%s]))',
      [selector, window, selector, window]
    );
    [
      base.alert(prefix + 'FastBurn',
                 '(%s > %s) and (%s > %s)' % [ratio('1h'), budget(14.4), ratio('5m'), budget(14.4)],
                 '%s is burning its %s error budget 14x too fast' % [s.name, std.toString(s.slo.availability)],
                 if s.tier <= 2 then 'page' else 'ticket', '2m'),
      base.alert(prefix + 'SlowBurn',
                 '(%s > %s) and (%s > %s)' % [ratio('6h'), budget(6), ratio('30m'), budget(6)],
                 '%s is burning its error budget 6x too fast' % s.name, 'ticket', '15m'),
    ],

  // The p99 latency of a histogram `metric` over `selector`, against the SLO.
  latency(s, metric, selector, prefix)::
    base.alert(prefix + 'HighLatency',
               std.format('histogram_quantile(0.99, sum by (le) (rate(%s_bucket{%s}[5m]))) * 1000 > %d',
                          [metric, selector, s.slo.latencyP99Ms]),
               '%s p99 latency is above %d ms' % [s.name, s.slo.latencyP99Ms],
               if s.tier == 1 then 'page' else 'ticket', '10m'),

  // Requests in flight against the replicas' capacity.
  saturation(s, selector, prefix)::
    base.alert(prefix + 'Saturated',
               'sum(http_requests_in_flight{%s}) / sum(http_requests_capacity{%s}) > 0.8' % [selector, selector],
               '%s is above 80%% of its request capacity' % s.name, 'ticket', '10m'),
}
"""

PLATFORM_TELEMETRY_LIB = r"""// Level 2: telemetry every service gets, a mixin: OpenTelemetry and logging settings, and
// the pod health alerts.
local alerts = import 'platform/alerts.libsonnet';
local base = import 'base.libsonnet';

{
  local s = self,
  env+: {
    OTEL_SERVICE_NAME: s.name,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc:4317',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_RESOURCE_ATTRIBUTES: std.format(
      'service.namespace=%s,service.tier=%d,team=%s,lifecycle=%s,zone=%s',
      [s.namespace, s.tier, s.owner, s.lifecycle, s.zoneName]
    ),
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: base.tier(s.tier).samplingRatio,
    OTEL_METRICS_EXEMPLAR_FILTER: 'trace_based',
    LOG_FORMAT: 'json',
    LOG_LEVEL: base.tier(s.tier).logLevel,
    SHUTDOWN_GRACE_SECONDS: if s.tier == 1 then '45' else '20',
  },
  alerts+: alerts.pods(s),
}
"""

PLATFORM_CATALOG_LIB = r"""// Level 2: catalog links every service gets, a mixin over its annotations.
local base = import 'base.libsonnet';

{
  local s = self,
  annotations+: {
    'acme.example/runbook': 'https://runbooks.%s/%s/%s' % [base.domain, s.owner, s.name],
    'acme.example/dashboard': 'https://grafana.%s/d/%s/%s-overview' % [base.domain, std.md5(s.name)[0:9], s.name],
    'acme.example/logs': 'https://logs.%s/explore?service=%s&namespace=%s' % [base.domain, s.name, s.namespace],
    'acme.example/traces': 'https://traces.%s/search?service.name=%s' % [base.domain, s.name],
    'acme.example/docs': 'https://backstage.%s/catalog/default/component/%s/docs' % [base.domain, s.name],
    'acme.example/slack': '#team-%s' % s.owner,
    'acme.example/pager': '%s-primary' % s.owner,
    'acme.example/tier': 'tier-%d' % s.tier,
    'acme.example/zone': s.zoneName,
    'acme.example/lifecycle': s.lifecycle,
  },
}
"""

PLATFORM_RUNTIME_LIB = r"""// Level 2: what each language's base image expects, as a mixin per language.
local base = import 'base.libsonnet';

local java = { JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError', JAVA_DEBUG_PORT: '5005' };

{
  env:: {
    go: { GOMAXPROCS: '2', GOMEMLIMIT: '900MiB', GODEBUG: 'madvdontneed=1' },
    java: java,
    kotlin: java,
    scala: java,
    python: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', GUNICORN_WORKERS: '4' },
    ruby: { RAILS_LOG_TO_STDOUT: 'true', RAILS_ENV: 'production', RUBY_YJIT_ENABLE: '1' },
    rust: { RUST_LOG: 'info', RUST_BACKTRACE: '1', TOKIO_WORKER_THREADS: '4' },
    typescript: { NODE_ENV: 'production', NODE_OPTIONS: '--max-old-space-size=768 --enable-source-maps' },
    elixir: { ERL_MAX_PORTS: '65536', MIX_ENV: 'prod', RELEASE_COOKIE_FILE: '/etc/release/cookie' },
    other: {},
  },

  // The runtime of `language`: its environment and the base image it builds on.
  mixin(language):: {
    env+: $.env[language],
    annotations+: {
      'acme.example/runtime': language,
      'acme.example/base-image': 'ghcr.io/%s/base-%s:2025.10' % [base.org, language],
    },
  },
}
"""

PLATFORM_PLACEMENT_LIB = r"""// Level 2: where services run: the zones' clusters and one deployment record.
local base = import 'base.libsonnet';
local zones = import 'platform/zones.libsonnet';

{
  zones:: zones,
  zone(name):: zones[name],

  // One entry of `deployments` for service `s`; `maxReplicas` turns on autoscaling.
  deployment(s, cluster, replicas, maxReplicas=null, targetCpuPercent=70, path=null)::
    {
      cluster: cluster,
      namespace: s.namespace,
      replicas: replicas,
      path: if path != null then path else s.defaultPath(cluster),
    }
    + (if maxReplicas != null
       then { autoscaling: { maxReplicas: maxReplicas, targetCpuPercent: targetCpuPercent } }
       else {}),
}
"""

# --- lib/core/: level 3, one mixin a file ------------------------------------------------------

CORE_SERVICE_LIB = r"""// Level 3: a service with the defaults of its tier, its runtime, telemetry and catalog links.
// `zone` picks the clusters its deployments go to by default.
local base = import 'base.libsonnet';
local catalog = import 'platform/catalog.libsonnet';
local placement = import 'platform/placement.libsonnet';
local runtime = import 'platform/runtime.libsonnet';
local telemetry = import 'platform/telemetry.libsonnet';

{
  new(name, owner, tier, language, description, zone, repo=null, namespace=null)::
    {
      local s = self,
      name: name,
      description: description,
      owner: owner,
      tier: tier,
      lifecycle: 'production',
      repo: if repo != null then repo else base.repo(name),
      language: language,
      namespace:: if namespace != null then namespace else name,
      zoneName:: zone,
      zone:: placement.zone(zone),
      // Where a deployment's manifests are unless it says: the chart, the cluster's
      // Kustomize overlay, or the cluster's plain directory.
      defaultPath(cluster)::
        local packaging = if std.objectHas(s, 'packaging') then s.packaging else 'directory';
        if packaging == 'helm' then 'chart'
        else if packaging == 'kustomize' then 'deploy/overlays/%s' % cluster
        else 'deploy/%s' % cluster,
      requests: base.tier(tier).requests,
      slo: base.tier(tier).slo,
    }
    + runtime.mixin(language)
    + telemetry
    + catalog,
}
"""

CORE_LIFECYCLE_LIB = r"""// Level 3: lifecycles other than production.
{
  // Not yet fit for production: may only run in development and staging.
  experimental:: { lifecycle: 'experimental', env+: { FEATURE_PREVIEW: 'true' } },

  // On its way out; `replacedBy` names its successor, `sunset` the planned removal date.
  deprecated(replacedBy, sunset):: {
    lifecycle: 'deprecated',
    env+: { DEPRECATION_NOTICE: 'replaced by %s on %s' % [replacedBy, sunset] },
    annotations+: { 'acme.example/replaced-by': replacedBy, 'acme.example/sunset': sunset },
  },
}
"""

CORE_HTTP_LIB = r"""// Level 3: an HTTP port `name`, with error-budget burn, latency and saturation alerts.
local alerts = import 'platform/alerts.libsonnet';
local base = import 'base.libsonnet';

function(port=8080, name='http') {
  local s = self,
  local selector = 'service="%s",port="%s"' % [s.name, name],
  local prefix = base.camelCase(s.name) + base.camelCase(name),
  ports+: [{ name: name, port: port, protocol: 'http' }],
  env+: { [if name == 'http' then 'PORT' else base.envName(name) + '_PORT']: std.toString(port) },
  alerts+: alerts.burn(s, selector, prefix)
           + [alerts.latency(s, 'http_request_duration_seconds', selector, prefix),
              alerts.saturation(s, selector, prefix)],
}
"""

CORE_GRPC_LIB = r"""// Level 3: a gRPC port, with alerts on server errors and latency.
local alerts = import 'platform/alerts.libsonnet';
local base = import 'base.libsonnet';

function(port=9090, name='grpc') {
  local s = self,
  local selector = 'grpc_service=~"%s\\\\..*",namespace="%s"' % [std.strReplace(s.name, '-', '_'), s.namespace],
  local prefix = base.camelCase(s.name) + base.camelCase(name),
  ports+: [{ name: name, port: port, protocol: 'grpc' }],
  env+: { [base.envName(name) + '_PORT']: std.toString(port), GRPC_GO_RETRY: 'on', GRPC_MAX_RECV_MSG_BYTES: '16777216' },
  alerts+: [
    base.alert(prefix + 'Errors',
               std.format('sum(rate(grpc_server_handled_total{%s,grpc_code=~"Internal|Unavailable|DeadlineExceeded"}[5m])) / sum(rate(grpc_server_handled_total{%s}[5m])) > %s',
                          [selector, selector, std.format('%.4f', 10 * (100 - s.slo.availability) / 100)]),
               '%s is returning gRPC server errors' % s.name,
               if s.tier <= 2 then 'page' else 'ticket'),
    alerts.latency(s, 'grpc_server_handling_seconds', selector, prefix),
    base.alert(prefix + 'ResourceExhausted',
               'sum(rate(grpc_server_handled_total{%s,grpc_code="ResourceExhausted"}[10m])) > 1' % selector,
               '%s is shedding gRPC load' % s.name, 'ticket', '10m'),
  ],
}
"""

CORE_TCP_LIB = r"""// Level 3: a raw TCP port (no standard alerts).
local base = import 'base.libsonnet';

function(port, name='tcp') {
  ports+: [{ name: name, port: port, protocol: 'tcp' }],
  env+: { [base.envName(name) + '_PORT']: std.toString(port) },
}
"""

CORE_METRICS_LIB = r"""// Level 3: the Prometheus scrape port, with an alert when scraping stops.
local base = import 'base.libsonnet';

function(port=9102) {
  local s = self,
  ports+: [{ name: 'metrics', port: port, protocol: 'http' }],
  env+: { METRICS_PORT: std.toString(port), METRICS_PATH: '/metrics' },
  annotations+: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': std.toString(port) },
  alerts+: [
    base.alert(base.camelCase(s.name) + 'ScrapeDown',
               'up{namespace="%s",service="%s",port="metrics"} == 0' % [s.namespace, s.name],
               'Prometheus cannot scrape %s' % s.name, 'ticket', '10m'),
  ],
}
"""

CORE_PRODUCTION_LIB = r"""// Level 3: production deployments, to the zone's production clusters unless `clusters` names
// them: as many as the tier asks (tier 1 three, tier 2 two, tier 3 one). Replicas and
// autoscaling follow the tier unless given.
local base = import 'base.libsonnet';
local placement = import 'platform/placement.libsonnet';

function(replicas=null, maxReplicas=null, clusters=null, targetCpuPercent=70) {
  local s = self,
  local defaults = base.tier(s.tier),
  local r = if replicas != null then replicas else defaults.productionReplicas,
  local max = if maxReplicas != null then maxReplicas
              else if defaults.autoscale then 3 * r
              else null,
  local targets = if clusters != null then base.asArray(clusters)
                  else s.zone.production[0:defaults.productionClusters],
  deployments+: [placement.deployment(s, cluster, r, max, targetCpuPercent) for cluster in targets],
}
"""

CORE_STAGING_LIB = r"""// Level 3: staging deployments (default: the zone's), one replica unless given.
local base = import 'base.libsonnet';
local placement = import 'platform/placement.libsonnet';

function(replicas=1, clusters=null) {
  local s = self,
  deployments+: [
    placement.deployment(s, cluster, replicas)
    for cluster in (if clusters != null then base.asArray(clusters) else s.zone.staging)
  ],
}
"""

CORE_DEVELOPMENT_LIB = r"""// Level 3: development deployments (default: the zone's), one replica unless given.
local base = import 'base.libsonnet';
local placement = import 'platform/placement.libsonnet';

function(replicas=1, clusters=null) {
  local s = self,
  deployments+: [
    placement.deployment(s, cluster, replicas)
    for cluster in (if clusters != null then base.asArray(clusters) else s.zone.development)
  ],
}
"""

CORE_POSTGRES_LIB = r"""// Level 3: a managed PostgreSQL database; highly available by default for tier 1, with
// alerts on connections, disk, slow queries and replication lag.
local base = import 'base.libsonnet';

function(name, size='small', version='16', highAvailability=null) {
  local s = self,
  local ha = if highAvailability != null then highAvailability else s.tier == 1,
  local db = 'database="%s-%s"' % [s.name, name],
  local prefix = base.camelCase(s.name) + base.camelCase(name),
  resources+: {
    postgres+: [{ name: name, version: version, size: size, highAvailability: ha }],
  },
  env+: {
    [base.envName(name) + '_PGHOST']: '%s-%s.postgres.%s.svc' % [s.name, name, s.namespace],
    [base.envName(name) + '_PGDATABASE']: std.strReplace(name, '-', '_'),
    [base.envName(name) + '_PGSSLMODE']: 'verify-full',
    [base.envName(name) + '_PGPOOL_SIZE']: { small: '10', medium: '20', large: '40', xlarge: '80' }[size],
  },
  alerts+: [
    base.alert(prefix + 'PgConnections',
               'sum(pg_stat_activity_count{%s}) / max(pg_settings_max_connections{%s}) > 0.8' % [db, db],
               'database %s of %s is using over 80%% of its connections' % [name, s.name], 'ticket'),
    base.alert(prefix + 'PgDiskFull',
               'predict_linear(pg_database_size_bytes{%s}[6h], 86400 * 3) > pg_volume_capacity_bytes{%s}' % [db, db],
               'database %s of %s will fill its %s volume within 3 days' % [name, s.name, size],
               base.tier(s.tier).severity, '30m'),
    base.alert(prefix + 'PgSlowQueries',
               'histogram_quantile(0.95, sum by (le) (rate(pg_query_duration_seconds_bucket{%s}[10m]))) > 1' % db,
               'the 95th percentile query on %s/%s takes over a second' % [s.name, name], 'info', '20m'),
  ] + (if ha then [
    base.alert(prefix + 'PgReplicationLag',
               'max(pg_replication_lag_seconds{%s}) > 30' % db,
               'the standby of %s/%s is over 30 s behind' % [s.name, name], 'ticket', '10m'),
  ] else []),
}
"""

CORE_REDIS_LIB = r"""// Level 3: a managed Redis instance, with memory and eviction alerts.
local base = import 'base.libsonnet';

function(name, memoryGb=1) {
  local s = self,
  local prefix = base.camelCase(s.name) + base.camelCase(name),
  resources+: { redis+: [{ name: name, memoryGb: memoryGb }] },
  env+: {
    [base.envName(name) + '_REDIS_URL']: 'rediss://%s-%s.redis.%s.svc:6380' % [s.name, name, s.namespace],
    [base.envName(name) + '_REDIS_POOL']: std.toString(8 * memoryGb),
  },
  alerts+: [
    base.alert(prefix + 'RedisMemory',
               std.format('redis_memory_used_bytes{instance="%s-%s"} > %d', [s.name, name, std.floor(memoryGb * 1024 * 1024 * 1024 * 0.9)]),
               'redis %s of %s is above 90%% of %d GB' % [name, s.name, memoryGb], 'ticket', '15m'),
    base.alert(prefix + 'RedisEvictions',
               'rate(redis_evicted_keys_total{instance="%s-%s"}[10m]) > 10' % [s.name, name],
               'redis %s of %s is evicting keys' % [name, s.name], 'info', '15m'),
  ],
}
"""

CORE_BUCKET_LIB = r"""// Level 3: an object-storage bucket, versioned by default; `retentionDays` expires objects.
local base = import 'base.libsonnet';

function(name, versioning=true, retentionDays=null) {
  resources+: {
    buckets+: [
      { name: name, versioning: versioning }
      + (if retentionDays != null then { retentionDays: retentionDays } else {}),
    ],
  },
  env+: { [base.envName(name) + '_BUCKET']: name },
}
"""

CORE_QUEUE_LIB = r"""// Level 3: queues: a consumer's lag and dead letters, a producer's publish errors.
local base = import 'base.libsonnet';

{
  consumer(queue, maxLagSeconds=300):: {
    local s = self,
    local prefix = base.camelCase(s.name) + base.camelCase(queue),
    env+: {
      ['QUEUE_' + base.envName(queue)]: '%s.%s' % [s.name, queue],
      ['QUEUE_' + base.envName(queue) + '_PREFETCH']: if s.tier == 1 then '64' else '16',
    },
    alerts+: [
      base.alert(prefix + 'QueueLag',
                 'max(queue_oldest_message_age_seconds{queue="%s.%s"}) > %d' % [s.name, queue, maxLagSeconds],
                 '%s is over %d s behind on %s' % [s.name, maxLagSeconds, queue],
                 base.tier(s.tier).severity, '10m'),
      base.alert(prefix + 'DeadLetters',
                 'increase(queue_dead_lettered_messages_total{queue="%s.%s"}[30m]) > 0' % [s.name, queue],
                 '%s dead-lettered messages of %s' % [s.name, queue], 'ticket', '5m'),
    ],
  },

  producer(topic):: {
    local s = self,
    env+: { ['TOPIC_' + base.envName(topic)]: '%s.%s' % [s.name, topic] },
    alerts+: [
      base.alert(base.camelCase(s.name) + base.camelCase(topic) + 'PublishErrors',
                 'sum(rate(messages_publish_failures_total{topic="%s.%s"}[5m])) > 0' % [s.name, topic],
                 '%s fails to publish to %s' % [s.name, topic], 'ticket', '5m'),
    ],
  },
}
"""

CORE_DEPS_LIB = r"""// Level 3: the services this one calls, and where to find them; `libraries` it is built
// with (no address).
local base = import 'base.libsonnet';

function(services, libraries=[]) {
  dependsOn+: base.asArray(services) + libraries,
  env+: {
    [base.envName(dep) + '_ADDR']: 'dns:///%s.svc.%s:443' % [dep, base.domain]
    for dep in base.asArray(services)
  },
}
"""

CORE_PACKAGING_LIB = r"""// Level 3: how the deployments' manifests are made.
{
  // The Helm chart in `chart/` of the repository: the values arrive as `helm.valuesObject`.
  helm:: { packaging: 'helm' },
  // A Kustomize overlay per cluster (`deploy/overlays/<cluster>`): the values arrive as patches.
  kustomize:: { packaging: 'kustomize' },
  // A plain directory per cluster (`deploy/<cluster>`): Jsonnet there gets `values`.
  directory:: { packaging: 'directory' },
}
"""

CORE_TUNING_LIB = r"""// Level 3: overrides of the tier's defaults.
{
  // Per-replica compute, replacing the tier's default.
  requests(cpu, memory):: { requests: { cpu: cpu, memory: memory } },

  // SLO over the tier's default (latency kept unless given); the standard alerts follow it.
  slo(availability, latencyP99Ms=null):: {
    slo+: { availability: availability }
          + (if latencyP99Ms != null then { latencyP99Ms: latencyP99Ms } else {}),
  },

  // Environment variables, merged over the defaults.
  env(vars):: { env+: vars },

  // Free-form annotations.
  annotations(values):: { annotations+: values },

  // Deploy into the team's shared namespace, `<team>-apps`, rather than one of its own.
  teamNamespace:: { local s = self, namespace:: '%s-apps' % s.owner },
}
"""

# --- lib/golden/: level 4, the paved roads -------------------------------------------------------

GOLDEN_HTTP_API_LIB = r"""// Level 4: an HTTP API on the paved road: the HTTP port, metrics, the Helm chart, and the
// zone's production, staging and development clusters.
local development = import 'core/development.libsonnet';
local http = import 'core/http.libsonnet';
local metrics = import 'core/metrics.libsonnet';
local packaging = import 'core/packaging.libsonnet';
local production = import 'core/production.libsonnet';
local staging = import 'core/staging.libsonnet';

function(port=8080, replicas=null, maxReplicas=null, clusters=null)
  http(port)
  + metrics()
  + packaging.helm
  + production(replicas, maxReplicas, clusters)
  + staging()
  + development()
  + { annotations+: { 'acme.example/golden-path': 'http-api' } }
"""

GOLDEN_GRPC_API_LIB = r"""// Level 4: a gRPC API with an HTTP gateway in front, metrics, and a Kustomize overlay.
local development = import 'core/development.libsonnet';
local grpc = import 'core/grpc.libsonnet';
local http = import 'core/http.libsonnet';
local metrics = import 'core/metrics.libsonnet';
local packaging = import 'core/packaging.libsonnet';
local production = import 'core/production.libsonnet';
local staging = import 'core/staging.libsonnet';

function(port=9090, gatewayPort=8080, replicas=null, maxReplicas=null, clusters=null)
  grpc(port)
  + http(gatewayPort, 'gateway')
  + metrics()
  + packaging.kustomize
  + production(replicas, maxReplicas, clusters)
  + staging()
  + development()
  + { annotations+: { 'acme.example/golden-path': 'grpc-api' } }
"""

GOLDEN_EDGE_GATEWAY_LIB = r"""// Level 4: an edge gateway: a public and an internal HTTP port, an admin port, metrics,
// autoscaling to four times its replicas, and an alert on rate limiting.
local base = import 'base.libsonnet';
local development = import 'core/development.libsonnet';
local http = import 'core/http.libsonnet';
local metrics = import 'core/metrics.libsonnet';
local packaging = import 'core/packaging.libsonnet';
local production = import 'core/production.libsonnet';
local staging = import 'core/staging.libsonnet';
local tcp = import 'core/tcp.libsonnet';

function(replicas=null, clusters=null)
  local r = if replicas != null then replicas else 3;
  http(8080, 'public')
  + http(8081, 'internal')
  + tcp(9901, 'admin')
  + metrics()
  + packaging.helm
  + production(r, 4 * r, clusters)
  + staging()
  + development()
  + {
    local s = self,
    env+: { RATE_LIMIT_BACKEND: 'redis', RATE_LIMIT_PER_SECOND: '500', TLS_MIN_VERSION: '1.2' },
    alerts+: [
      base.alert(base.camelCase(s.name) + 'RateLimited',
                 'sum(rate(gateway_requests_rate_limited_total{service="%s"}[5m])) / sum(rate(gateway_requests_total{service="%s"}[5m])) > 0.05' % [s.name, s.name],
                 '%s is rate-limiting over 5%% of its requests' % s.name, 'ticket', '10m'),
    ],
    annotations+: { 'acme.example/golden-path': 'edge-gateway', 'acme.example/exposure': 'public' },
  }
"""

GOLDEN_WORKER_LIB = r"""// Level 4: a queue worker: a consumer per queue, metrics, and a Kustomize overlay.
local development = import 'core/development.libsonnet';
local metrics = import 'core/metrics.libsonnet';
local packaging = import 'core/packaging.libsonnet';
local production = import 'core/production.libsonnet';
local queue = import 'core/queue.libsonnet';
local staging = import 'core/staging.libsonnet';

function(queues, maxLagSeconds=300, replicas=null, clusters=null)
  std.foldl(function(acc, name) acc + queue.consumer(name, maxLagSeconds), queues, {})
  + metrics()
  + packaging.kustomize
  + production(replicas, null, clusters)
  + staging()
  + development()
  + { annotations+: { 'acme.example/golden-path': 'worker' } }
"""

GOLDEN_WEBSITE_LIB = r"""// Level 4: a website: pages for people, behind the CDN.
local development = import 'core/development.libsonnet';
local http = import 'core/http.libsonnet';
local packaging = import 'core/packaging.libsonnet';
local production = import 'core/production.libsonnet';
local staging = import 'core/staging.libsonnet';

function(port=3000, replicas=null, clusters=null)
  { type: 'website' }
  + http(port)
  + packaging.helm
  + production(replicas, null, clusters)
  + staging()
  + development()
  + {
    local s = self,
    env+: { PUBLIC_BASE_URL: 'https://%s.acme.example' % s.name, CDN_CACHE_SECONDS: '300' },
    annotations+: { 'acme.example/golden-path': 'website', 'acme.example/cdn': 'fastly' },
  }
"""

GOLDEN_CRON_LIB = r"""// Level 4: scheduled jobs: an alert when one fails and when one stops running, plain
// manifests per cluster.
local base = import 'base.libsonnet';
local metrics = import 'core/metrics.libsonnet';
local packaging = import 'core/packaging.libsonnet';
local production = import 'core/production.libsonnet';
local staging = import 'core/staging.libsonnet';

function(jobs, clusters=null)
  metrics()
  + packaging.directory
  + production(null, null, clusters)
  + staging()
  + {
    local s = self,
    env+: { CRON_JOBS: std.join(',', jobs), CRON_TIMEZONE: 'UTC' },
    alerts+: std.flattenArrays([
      [
        base.alert(base.camelCase(s.name) + base.camelCase(job) + 'JobFailed',
                   'increase(cron_job_failures_total{service="%s",job="%s"}[1h]) > 0' % [s.name, job],
                   'job %s of %s failed' % [job, s.name], 'ticket', '1m'),
        base.alert(base.camelCase(s.name) + base.camelCase(job) + 'JobMissing',
                   'time() - max(cron_job_last_success_timestamp_seconds{service="%s",job="%s"}) > 90000' % [s.name, job],
                   'job %s of %s has not succeeded for over a day' % [job, s.name], 'ticket', '30m'),
      ]
      for job in jobs
    ]),
    annotations+: { 'acme.example/golden-path': 'cron' },
  }
"""

GOLDEN_DATASTORE_LIB = r"""// Level 4: a service's own data: a PostgreSQL database, optionally a Redis cache in front,
// and a bucket for its backups.
local bucket = import 'core/bucket.libsonnet';
local postgres = import 'core/postgres.libsonnet';
local redis = import 'core/redis.libsonnet';

function(database, size='small', cacheGb=null, backups=true, version='16')
  postgres(database, size, version)
  + (if cacheGb != null then redis(database + '-cache', cacheGb) else {})
  + (if backups then {
       local s = self,
       resources+: { buckets+: [{ name: 'acme-%s-backups' % s.name, versioning: true, retentionDays: 35 }] },
       env+: { BACKUP_BUCKET: 'acme-%s-backups' % s.name },
     } else {})
"""

GOLDEN_STREAMING_LIB = r"""// Level 4: a stream processor: topics it publishes, queues it consumes.
local queue = import 'core/queue.libsonnet';

function(topics, consumes=[])
  std.foldl(function(acc, topic) acc + queue.producer(topic), topics, {})
  + std.foldl(function(acc, name) acc + queue.consumer(name, 120), consumes, {})
  + { annotations+: { 'acme.example/streaming': std.join(',', topics) } }
"""

GOLDEN_LIBRARY_LIB = r"""// Level 4: a library: built into the services that depend on it, never deployed, so it has
// no alerts and no deployments.
{
  type: 'library',
  alerts: [],
  annotations+: { 'acme.example/golden-path': 'library' },
}
"""

GOLDEN_PREVIEW_LIB = r"""// Level 4: an experimental service: an HTTP port and metrics, in staging and development only.
local development = import 'core/development.libsonnet';
local http = import 'core/http.libsonnet';
local lifecycle = import 'core/lifecycle.libsonnet';
local metrics = import 'core/metrics.libsonnet';
local staging = import 'core/staging.libsonnet';

function(port=8080, stagingOnly=false)
  lifecycle.experimental
  + http(port)
  + metrics()
  + staging()
  + (if stagingOnly then {} else development())
  + { annotations+: { 'acme.example/golden-path': 'preview' } }
"""

GOLDEN_SUNSET_LIB = r"""// Level 4: a deprecated service still running: its HTTP port, production and staging.
local http = import 'core/http.libsonnet';
local lifecycle = import 'core/lifecycle.libsonnet';
local production = import 'core/production.libsonnet';
local staging = import 'core/staging.libsonnet';

function(replacedBy, sunset, port=8080)
  lifecycle.deprecated(replacedBy, sunset)
  + http(port)
  + production()
  + staging()
  + { annotations+: { 'acme.example/golden-path': 'sunset' } }
"""

# --- lib/org/: level 5, a flavour of the paved roads per division -------------------------------

ORG_LIB = r"""// Level 5: the %(division)s division's flavour of the golden paths: its defaults on every
// service, and the paved roads with its settings.
local base = import 'base.libsonnet';
local service = import 'core/service.libsonnet';
local cron = import 'golden/cron.libsonnet';
local edgeGateway = import 'golden/edge-gateway.libsonnet';
local grpcApi = import 'golden/grpc-api.libsonnet';
local httpApi = import 'golden/http-api.libsonnet';
local website = import 'golden/website.libsonnet';
local worker = import 'golden/worker.libsonnet';

local division = '%(division)s';

local defaults = {
  local s = self,
  env+: {
    DIVISION: division,
    %(env)s
  },
  annotations+: {
    'acme.example/division': division,
    'acme.example/cost-centre': '%(costCentre)s',
    %(annotations)s
  },
  alerts+: [
    base.alert(base.camelCase(s.name) + '%(alertSuffix)s',
               %(alertExpr)s,
               %(alertSummary)s, 'ticket', '15m'),
  ],
};

{
  // A service of the division, with its defaults.
  service(name, owner, tier, language, description, zone, namespace=null)::
    service.new(name, owner, tier, language, description, zone, namespace=namespace)
    + defaults
    + (if tier == 1 then { slo+: { availability: %(tier1Availability)s } } else {}),

  httpApi(port=8080, replicas=null, maxReplicas=null, clusters=null)::
    httpApi(port, replicas, maxReplicas, clusters) + { env+: { HTTP_IDLE_TIMEOUT_SECONDS: '%(idle)s' } },
  grpcApi(port=9090, gatewayPort=8080, replicas=null, maxReplicas=null, clusters=null)::
    grpcApi(port, gatewayPort, replicas, maxReplicas, clusters) + { env+: { GRPC_KEEPALIVE_SECONDS: '%(idle)s' } },
  edgeGateway(replicas=null, clusters=null)::
    edgeGateway(replicas, clusters) + { env+: { WAF_PROFILE: '%(waf)s' } },
  worker(queues, maxLagSeconds=%(maxLag)s, replicas=null, clusters=null)::
    worker(queues, maxLagSeconds, replicas, clusters),
  website(port=3000, replicas=null, clusters=null)::
    website(port, replicas, clusters) + { env+: { CSP_PROFILE: '%(waf)s' } },
  cron(jobs, clusters=null):: cron(jobs, clusters),
}
"""

ORG_SETTINGS = {
    "money": {
        "env": "AUDIT_LOG_SINK: 'kafka://audit.money.svc:9092/audit',\n    PCI_SCOPE: 'true',",
        "costCentre": "PAY-100",
        "annotations": "'acme.example/compliance': 'pci-dss',\n    'acme.example/data-classification': 'restricted',",
        "alertSuffix": "AuditLogStalled",
        "alertExpr": "'rate(audit_log_records_written_total{service=\"%s\"}[15m]) == 0' % s.name",
        "alertSummary": "'%s stopped writing its audit log' % s.name",
        "tier1Availability": "99.99",
        "idle": "30",
        "waf": "strict",
        "maxLag": "120",
    },
    "commerce": {
        "env": "CURRENCY_DEFAULT: 'EUR',\n    EXPERIMENTS_ENDPOINT: 'http://experiments.commerce.svc:8080',",
        "costCentre": "COM-200",
        "annotations": "'acme.example/data-classification': 'internal',",
        "alertSuffix": "ConversionDrop",
        "alertExpr": "'sum(rate(checkout_completed_total{service=\"%s\"}[30m])) < 0.5 * sum(rate(checkout_completed_total{service=\"%s\"}[30m] offset 1w))' % [s.name, s.name]",
        "alertSummary": "'%s completes half as many checkouts as a week ago' % s.name",
        "tier1Availability": "99.95",
        "idle": "60",
        "waf": "standard",
        "maxLag": "300",
    },
    "platform": {
        "env": "MESH_MTLS: 'strict',\n    SPIFFE_ENDPOINT_SOCKET: 'unix:///run/spire/sockets/agent.sock',",
        "costCentre": "ENG-300",
        "annotations": "'acme.example/data-classification': 'internal',\n    'acme.example/mesh': 'istio',",
        "alertSuffix": "CertExpiring",
        "alertExpr": "'min(certmanager_certificate_expiration_timestamp_seconds{namespace=\"%s\"}) - time() < 7 * 86400' % s.namespace",
        "alertSummary": "'a certificate of %s expires within a week' % s.name",
        "tier1Availability": "99.99",
        "idle": "120",
        "waf": "standard",
        "maxLag": "300",
    },
    "data": {
        "env": "WAREHOUSE_DATASET: 'acme_analytics',\n    SCHEMA_REGISTRY_URL: 'http://schema-registry.data.svc:8081',",
        "costCentre": "DATA-400",
        "annotations": "'acme.example/data-classification': 'confidential',\n    'acme.example/lineage': 'openlineage',",
        "alertSuffix": "FreshnessLag",
        "alertExpr": "'time() - max(dataset_last_updated_timestamp_seconds{service=\"%s\"}) > 7200' % s.name",
        "alertSummary": "'the datasets of %s are over two hours old' % s.name",
        "tier1Availability": "99.9",
        "idle": "300",
        "waf": "standard",
        "maxLag": "900",
    },
}

# --- lib/kinds/: the other kinds' helpers ------------------------------------------------------

TEAM_LIB = r"""// Teams: who owns what, and who gets paged.
local base = import 'base.libsonnet';

local member(login, name, role) = {
  login: login,
  name: name,
  email: base.email(login),
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
      'acme.example/backstage': 'https://backstage.%s/catalog/default/group/%s' % [base.domain, name],
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
  new(name, provider, cloudId, environment, region, owner, costCentre, description):: {
    name: name,
    owner: owner,
    provider: provider,
    cloudId: cloudId,
    environment: environment,
    region: region,
    costCentre: costCentre,
    description: description,
    annotations: {
      'acme.example/terraform-root': 'infra/projects/%s/%s' % [provider, name],
      'acme.example/environment': environment,
    },
  },

  // Free-form annotations.
  annotations(values):: { annotations+: values },
}
"""

CLUSTER_LIB = r"""// Kubernetes clusters, their node pools, and the Argo CD that manages them.
local base = import 'base.libsonnet';

{
  // A cluster on the org's Kubernetes version, its API server at
  // `https://api.<name>.k8s.acme.example`. It runs its own Argo CD, in the `argocd`
  // namespace, unless `managedBy` hands it to its zone's hub.
  new(name, project, environment, region, zone, kubernetesVersion=base.kubernetesVersion, description=null):: {
    name: name,
    project: project,
    environment: environment,
    region: region,
    kubernetesVersion: kubernetesVersion,
    argocd: {
      server: 'https://api.%s.k8s.%s' % [name, base.domain],
      namespace: 'argocd',
    },
    annotations: { 'acme.example/zone': zone },
  } + (if description != null then { description: description } else {}),

  // Managed by the Argo CD on cluster `hub`, which trusts `ca`, the PEM text of the API
  // server's certificate authorities; add `eks`, `gke` or `aks`.
  managedBy(ca, hub):: { argocd+: { managedBy: hub, caData: std.base64(ca) } },

  eks(roleArn):: { local c = self, argocd+: { auth: { eks: { clusterName: c.name, roleARN: roleArn } } } },
  gke:: { argocd+: { auth: { gke: {} } } },
  aks(clientId, tenantId):: { argocd+: { auth: { aks: { clientId: clientId, tenantId: tenantId } } } },

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
    deprecated: ['staging', 'production'],
  },

  argocd: {
    reservedNamespaces: ['cert-manager', 'ingress-nginx', 'monitoring', 'observability'],
    removal: [
      { lifecycles: ['deprecated'], policy: 'keep' },
      { tiers: [1], policy: 'confirm' },
    ],
  },

  alerting: {
    defaultChannel: '#alerts-unrouted',
    businessHours: { weekdays: 'monday:friday', start: '08:00', end: '18:00', location: 'Europe/Amsterdam' },
  },

  annotations: {
    'acme.example/owner': 'platform',
    'acme.example/synthetic': 'true',
    'acme.example/shape': 'mixins',
  },
}
"""

LIBRARY = {
    "lib/base.libsonnet": BASE_LIB,
    "lib/platform/alerts.libsonnet": PLATFORM_ALERTS_LIB,
    "lib/platform/telemetry.libsonnet": PLATFORM_TELEMETRY_LIB,
    "lib/platform/catalog.libsonnet": PLATFORM_CATALOG_LIB,
    "lib/platform/runtime.libsonnet": PLATFORM_RUNTIME_LIB,
    "lib/platform/placement.libsonnet": PLATFORM_PLACEMENT_LIB,
    "lib/core/service.libsonnet": CORE_SERVICE_LIB,
    "lib/core/lifecycle.libsonnet": CORE_LIFECYCLE_LIB,
    "lib/core/http.libsonnet": CORE_HTTP_LIB,
    "lib/core/grpc.libsonnet": CORE_GRPC_LIB,
    "lib/core/tcp.libsonnet": CORE_TCP_LIB,
    "lib/core/metrics.libsonnet": CORE_METRICS_LIB,
    "lib/core/production.libsonnet": CORE_PRODUCTION_LIB,
    "lib/core/staging.libsonnet": CORE_STAGING_LIB,
    "lib/core/development.libsonnet": CORE_DEVELOPMENT_LIB,
    "lib/core/postgres.libsonnet": CORE_POSTGRES_LIB,
    "lib/core/redis.libsonnet": CORE_REDIS_LIB,
    "lib/core/bucket.libsonnet": CORE_BUCKET_LIB,
    "lib/core/queue.libsonnet": CORE_QUEUE_LIB,
    "lib/core/deps.libsonnet": CORE_DEPS_LIB,
    "lib/core/packaging.libsonnet": CORE_PACKAGING_LIB,
    "lib/core/tuning.libsonnet": CORE_TUNING_LIB,
    "lib/golden/http-api.libsonnet": GOLDEN_HTTP_API_LIB,
    "lib/golden/grpc-api.libsonnet": GOLDEN_GRPC_API_LIB,
    "lib/golden/edge-gateway.libsonnet": GOLDEN_EDGE_GATEWAY_LIB,
    "lib/golden/worker.libsonnet": GOLDEN_WORKER_LIB,
    "lib/golden/website.libsonnet": GOLDEN_WEBSITE_LIB,
    "lib/golden/cron.libsonnet": GOLDEN_CRON_LIB,
    "lib/golden/datastore.libsonnet": GOLDEN_DATASTORE_LIB,
    "lib/golden/streaming.libsonnet": GOLDEN_STREAMING_LIB,
    "lib/golden/library.libsonnet": GOLDEN_LIBRARY_LIB,
    "lib/golden/preview.libsonnet": GOLDEN_PREVIEW_LIB,
    "lib/golden/sunset.libsonnet": GOLDEN_SUNSET_LIB,
    "lib/kinds/team.libsonnet": TEAM_LIB,
    "lib/kinds/project.libsonnet": PROJECT_LIB,
    "lib/kinds/cluster.libsonnet": CLUSTER_LIB,
}
for _division in DIVISIONS:
    LIBRARY["lib/org/%s.libsonnet" % _division] = ORG_LIB % dict(ORG_SETTINGS[_division], division=_division)

# The production shapes (golden paths) of services, and how often each is picked.
SHAPES = [("httpApi", 38), ("grpcApi", 22), ("worker", 16), ("edgeGateway", 6), ("website", 8), ("cron", 10)]


# --- The model ---------------------------------------------------------------------------------

class Registry:
    def __init__(self, n, seed, generated_path):
        self.n = n
        self.generated_path = generated_path
        self.rng = random.Random(seed * 1_000_033 + n * 7 + 1)
        self.files = {}  # relative path -> text
        self.teams = []  # dicts: name, parent, level, division, path
        self.projects = []  # dicts
        self.clusters = []  # dicts
        self.zones = []  # {"name", "hub", env: [clusters]}
        self.services = []  # dicts
        self.logins = 0

    # Teams: the root, four divisions, groups under them, and big leaf teams under the groups.
    def make_teams(self):
        rng = self.rng
        leaves = max(4, math.ceil(self.n / 50))
        groups = max(4, math.ceil(leaves / 5))
        self.teams.append({"name": "engineering", "parent": None, "level": 0, "division": None,
                           "path": "teams/engineering.jsonnet"})
        for d in DIVISIONS:
            self.teams.append({"name": "%s-division" % d, "parent": "engineering", "level": 1,
                               "division": d, "path": "teams/%s/%s-division.jsonnet" % (d, d)})
        group_list = []
        for g in range(groups):
            d = DIVISIONS[g % len(DIVISIONS)]
            name = "%s-group-%d" % (d, g + 1)
            group = {"name": name, "parent": "%s-division" % d, "level": 2, "division": d,
                     "path": "teams/%s/%s.jsonnet" % (d, name)}
            group_list.append(group)
            self.teams.append(group)
        width = max(2, len(str(leaves)))
        self.leaf_teams = []
        for t in range(leaves):
            group = group_list[t % groups]
            d = group["division"]
            word = rng.choice(DIVISION_WORDS[d])
            name = "%s-%0*d" % (word, width, t + 1)
            team = {"name": name, "parent": group["name"], "level": 3, "division": d,
                    "path": "teams/%s/%s.jsonnet" % (d, name)}
            self.leaf_teams.append(team)
            self.teams.append(team)

    def person(self, role):
        rng = self.rng
        self.logins += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        login = "%s%s%d" % (first[0].lower(), last.lower(), self.logins)
        return "  team.%s(%s, %s)," % (role, q(login), q("%s %s" % (first, last)))

    def write_teams(self):
        rng = self.rng
        for t in self.teams:
            name, level = t["name"], t["level"]
            if level == 0:
                description = "All of engineering: the last stop of every escalation."
                roles = ["manager", "manager"]
            elif level == 1:
                description = "The %s division: its directors, and the groups under them." % t["division"]
                roles = ["manager", "manager", "lead"]
            elif level == 2:
                description = "A group of the %s division: its managers and the teams under them." % t["division"]
                roles = ["manager"] + ["lead"] * rng.randint(1, 3)
            else:
                description = "Owns %s, %s and %s %s." % (
                    rng.choice(OBJECTS), rng.choice(OBJECTS), rng.choice(OBJECTS), rng.choice(AUDIENCES))
                roles = ["manager", "lead", "lead"] + ["engineer"] * rng.randint(5, 11)
            lines = ["local team = import 'kinds/team.libsonnet';", ""]
            head = "team.new(%s, %s" % (q(name), q(description))
            if t["parent"] is None:
                head += ", slack='#engineering')"
            else:
                head += ", parent=%s)" % q(t["parent"])
            lines.append(head)
            lines.append("+ team.members([")
            lines.extend(self.person(role) for role in roles)
            lines.append("])")
            if level == 0:
                lines.append("+ team.onCall(rotation='eng-incident-commander')")
            elif level == 1:
                lines.append("+ team.onCall(hours='business-hours', escalation='engineering')")
            elif level == 3 and rng.random() < 0.25:
                lines.append("+ team.onCall(hours='business-hours')")
            else:
                lines.append("+ team.onCall()")
            lines.append("+ team.annotations({ 'acme.example/cost-centre': %s, 'acme.example/division': %s })" % (
                q("ENG-%d" % rng.randint(100, 999)), q(t["division"] or "all")))
            self.files[t["path"]] = "\n".join(lines) + "\n"

    # Projects: one per ~80 services, production-heavy, on all three providers.
    def make_projects(self):
        rng = self.rng
        total = max(6, math.ceil(self.n / 80))
        for i in range(total):
            provider = PROVIDERS[(i // 2) % 3]
            environment = PROJECT_PATTERN[i % len(PROJECT_PATTERN)]
            region = REGIONS[provider][(i // 6) % len(REGIONS[provider])]
            name = "%s-%s-%s-%d" % (ORG, provider, ENV_SHORT[environment], i + 1)
            if provider == "gcp":
                cloud_id = "%s-%05d" % (name, rng.randrange(10**5))
            elif provider == "aws":
                cloud_id = "%012d" % rng.randrange(10**11, 10**12)
            else:
                h = "%032x" % rng.getrandbits(128)
                cloud_id = "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
            owner = self.teams[1 + i % len(DIVISIONS)]["name"] if i % 3 == 2 else "engineering"
            self.projects.append({
                "name": name, "provider": provider, "environment": environment,
                "region": region, "cloudId": cloud_id, "owner": owner,
                "costCentre": "%s-%d" % (rng.choice(["ENG", "DATA", "PAY", "OPS", "COM"]), rng.randint(100, 999)),
                "path": "projects/%s/%s.jsonnet" % (provider, name),
            })

    def write_projects(self):
        for p in self.projects:
            lines = [
                "local project = import 'kinds/project.libsonnet';",
                "",
                "project.new(%s, provider=%s, cloudId=%s, environment=%s, region=%s," % (
                    q(p["name"]), q(p["provider"]), q(p["cloudId"]), q(p["environment"]), q(p["region"])),
                "            owner=%s, costCentre=%s," % (q(p["owner"]), q(p["costCentre"])),
                "            description=%s)" % q("%s %s workloads in %s." % (
                    p["provider"].upper(), p["environment"], p["region"])),
                "+ project.annotations({ 'acme.example/data-residency': %s })" % q(
                    "eu" if p["region"].startswith(("eu", "west", "north")) else "global"),
            ]
            self.files[p["path"]] = "\n".join(lines) + "\n"

    # Clusters: zones of five, one per ~1,250 services; the first of each zone is its hub.
    def make_clusters(self):
        zones = max(1, math.ceil(self.n / 1250))
        by_env = {env: [p for p in self.projects if p["environment"] == env] for env in ENVIRONMENTS}
        used = {env: 0 for env in ENVIRONMENTS}
        index = 0
        for z in range(zones):
            zone = {"name": "zone-%d" % (z + 1), "hub": None}
            zone.update({env: [] for env in ENVIRONMENTS})
            for k, environment in enumerate(ZONE_PATTERN):
                project = by_env[environment][used[environment] % len(by_env[environment])]
                used[environment] += 1
                name = "%s-z%02d-%d" % (ENV_SHORT[environment], z + 1, k + 1)
                if zone["hub"] is None:
                    zone["hub"] = name
                self.clusters.append({
                    "name": name, "project": project, "environment": environment,
                    "zone": zone["name"], "hub": zone["hub"], "index": index,
                    "path": "clusters/%s/%s.jsonnet" % (zone["name"], name),
                })
                zone[environment].append(name)
                index += 1
            self.zones.append(zone)

    def ca_bundle(self, name):
        """A PEM bundle of two synthetic CERTIFICATE blocks for cluster `name`, free of anything
        the credential scan would take for a key, as text and as base64."""
        for attempt in range(100):
            blocks = []
            for part in ("root", "intermediate"):
                material = b""
                counter = 0
                while len(material) < 300:
                    material += hashlib.sha256(("%s/%s/%d/%d" % (name, part, attempt, counter)).encode()).digest()
                    counter += 1
                body = base64.b64encode(b"\x30\x82\x01\x2a" + material[:296]).decode()
                lines = [body[i:i + 64] for i in range(0, len(body), 64)]
                blocks.append("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % "\n".join(lines))
            pem = "".join(blocks)
            encoded = base64.b64encode(pem.encode()).decode()
            if not any(p.search(pem) or p.search(encoded) for p in CREDENTIAL_PATTERNS):
                return pem
        raise AssertionError("no clean CA bundle for %s" % name)

    def write_clusters(self):
        rng = self.rng
        for c in self.clusters:
            p = c["project"]
            general, memory, spot = MACHINES[p["provider"]]
            prod = c["environment"] == "production"
            hub = c["hub"] == c["name"]
            project_import = "../../" + p["path"]
            lines = [
                "local cluster = import 'kinds/cluster.libsonnet';",
                "local project = import %s;" % q(project_import),
                "",
                "cluster.new(%s, project=project.name, environment=project.environment," % q(c["name"]),
                "            region=project.region, zone=%s%s," % (
                    q(c["zone"]), "" if rng.random() < 0.6 else ", kubernetesVersion='1.32'"),
                "            description=%s)" % q("%s cluster %d of %s, in %s%s." % (
                    c["environment"].capitalize(), c["index"] + 1, c["zone"], p["region"],
                    "; runs the zone's Argo CD" if hub else "")),
            ]
            if not hub:
                ca = "ca/%s.pem" % c["name"]
                self.files[ca] = self.ca_bundle(c["name"])
                lines.append("+ cluster.managedBy(ca=importstr %s, hub=%s)" % (q("../../" + ca), q(c["hub"])))
                if p["provider"] == "aws":
                    lines.append("+ cluster.eks(roleArn='arn:aws:iam::%s:role/argocd-manager' % project.cloudId)")
                elif p["provider"] == "gcp":
                    lines.append("+ cluster.gke")
                else:
                    h = "%032x" % rng.getrandbits(128)
                    client = "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
                    lines.append("+ cluster.aks(clientId=%s, tenantId=%s)" % (q(client), q(TENANT)))
            lines.append("+ cluster.nodePool('general', %s, minNodes=%d, maxNodes=%d)" % (
                q(general), 6 if prod else 2, rng.choice([48, 64, 96]) if prod else 16))
            if prod:
                lines.append("+ cluster.nodePool('memory', %s, minNodes=3, maxNodes=%d)" % (
                    q(memory), rng.choice([16, 24, 32])))
                lines.append("+ cluster.nodePool('system', %s, minNodes=3, maxNodes=6)" % q(general))
            lines.append("+ cluster.spotPool('batch', %s, maxNodes=%d)" % (q(spot), rng.choice([20, 40, 60])))
            lines.append("+ cluster.annotations({ 'acme.example/project-provider': %s })" % q(p["provider"]))
            self.files[c["path"]] = "\n".join(lines) + "\n"

    def write_zones(self):
        lines = ["// The clusters of each zone, by environment, and the hub running its Argo CD.",
                 "// Generated with the clusters.", "{"]
        for zone in self.zones:
            lines.append("  %s: {" % q(zone["name"]))
            lines.append("    hub: %s," % q(zone["hub"]))
            for env in ENVIRONMENTS:
                lines.append("    %s: %s," % (env, jlist(zone[env])))
            lines.append("  },")
        lines.append("}")
        self.files["lib/platform/zones.libsonnet"] = "\n".join(lines) + "\n"

    def make_services(self):
        rng = self.rng
        width = len(str(self.n))
        production = []  # indices of production-lifecycle services, ascending
        by_team = {t["name"]: [] for t in self.leaf_teams}  # production indices per team
        libraries = {}  # language -> production library indices
        team_zone = {t["name"]: "zone-%d" % (k % len(self.zones) + 1) for k, t in enumerate(self.leaf_teams)}
        for i in range(self.n):
            team = rng.choice(self.leaf_teams)
            language = weighted(rng, LANGUAGES)
            library = i % 25 == 7
            if library:
                name = "%s-%s-%0*d" % (language if language != "other" else "common",
                                      rng.choice(["kit", "sdk", "client", "proto"]), width, i + 1)
                lifecycle, tier = "production", 2
            else:
                name = "%s-%s-%0*d" % (rng.choice(DIVISION_WORDS[team["division"]]), rng.choice(ROLES), width, i + 1)
                lifecycle = weighted(rng, [("production", 84), ("deprecated", 9), ("experimental", 7)])
                if i < 30:
                    lifecycle = "production"  # the core every registry grows around
                tier = weighted(rng, [(1, 20), (2, 45), (3, 35)])
            # Dependencies: on services of the same team, on the core, on neighbours, anywhere.
            pool = production if lifecycle == "production" else list(range(i))
            own = by_team[team["name"]]  # the team's production services
            deps = []
            libs = []
            if not library and pool:
                want = min(len(pool), weighted(rng, [(3, 10), (4, 12), (5, 14), (6, 14), (7, 12), (8, 10),
                                                     (9, 9), (10, 7), (12, 7), (14, 5)]))
                tries = 0
                while len(deps) < want and tries < 4 * want:
                    tries += 1
                    roll = rng.random()
                    if roll < 0.35 and own:
                        j = own[len(own) - 1 - rng.randrange(min(len(own), 40))]
                    elif roll < 0.55:
                        j = pool[rng.randrange(min(len(pool), 30))]
                    elif roll < 0.9:
                        j = pool[len(pool) - 1 - rng.randrange(min(len(pool), 500))]
                    else:
                        j = pool[rng.randrange(len(pool))]
                    if j not in deps and not self.services[j]["library"]:
                        deps.append(j)
                deps.sort()
            same = libraries.get(language, [])
            if same and rng.random() < 0.7:
                libs.append(same[len(same) - 1 - rng.randrange(min(len(same), 3))])
                if library and rng.random() < 0.5:
                    libs = libs[:1]
                elif not library and rng.random() < 0.3:
                    other = libraries.get("go" if language != "go" else "java", [])
                    if other:
                        libs.append(other[rng.randrange(len(other))])
            libs = sorted(set(libs))
            zone = team_zone[team["name"]] if rng.random() < 0.8 else "zone-%d" % (rng.randrange(len(self.zones)) + 1)
            self.services.append({
                "name": name, "index": i, "lifecycle": lifecycle, "tier": tier, "deps": deps,
                "libs": libs, "team": team, "language": language, "zone": zone, "library": library,
            })
            if lifecycle == "production":
                production.append(i)
                by_team[team["name"]].append(i)
                if library:
                    libraries.setdefault(language, []).append(i)
        self.production = [j for j in production if not self.services[j]["library"]]

    def write_services(self):
        rng = self.rng
        shape_counts = {}
        mixin_counts = []
        for s in self.services:
            name, tier, lifecycle, i = s["name"], s["tier"], s["lifecycle"], s["index"]
            team, division = s["team"]["name"], s["team"]["division"]
            description = "%s %s and %s %s." % (rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(OBJECTS),
                                                rng.choice(AUDIENCES))
            imports = {"division": "org/%s.libsonnet" % division}
            terms = []  # the mixins composed with `+`, each a list of lines
            shared_namespace = not s["library"] and rng.random() < 0.3
            terms.append([
                "division.service(%s, owner=%s, tier=%d, language=%s, zone=%s," % (
                    q(name), q(team), tier, q(s["language"]), q(s["zone"])),
                "                 description=%s)" % q(description),
            ])
            queues = rng.sample(QUEUES, len(QUEUES))
            ports = set()
            if s["library"]:
                shape = "library"
                imports["library"] = "golden/library.libsonnet"
                terms.append(["library"])
            elif lifecycle == "experimental":
                shape = "preview"
                imports["preview"] = "golden/preview.libsonnet"
                terms.append(["preview(%d%s)" % (rng.choice([8080, 8000]),
                                                 ", stagingOnly=true" if rng.random() < 0.3 else "")])
                ports.add("http")
            elif lifecycle == "deprecated":
                shape = "sunset"
                imports["sunset"] = "golden/sunset.libsonnet"
                successor = self.services[self.production[rng.randrange(min(len(self.production), 60))]]["name"]
                terms.append(["sunset(%s, '%d-%02d-%02d')" % (
                    q(successor), rng.randint(2026, 2028), rng.randint(1, 12), rng.randint(1, 28))])
                ports.add("http")
            else:
                shape = weighted(rng, SHAPES)
                pinned = ""
                if rng.random() < 0.1:
                    zone = self.zones[int(s["zone"].split("-")[1]) - 1]
                    pinned = "clusters=%s" % jlist(zone["production"][:max(2, 4 - tier)])
                args = []
                if shape == "httpApi":
                    args.append("port=%d" % rng.choice([8080, 8080, 8000, 3000]))
                    if tier == 1 and rng.random() < 0.5:
                        replicas = rng.choice([3, 4, 6])
                        args += ["replicas=%d" % replicas, "maxReplicas=%d" % (replicas * 5)]
                    ports.add("http")
                elif shape == "grpcApi":
                    if tier == 1 and rng.random() < 0.4:
                        args.append("replicas=%d" % rng.choice([4, 6]))
                    ports.update(["grpc", "gateway"])
                elif shape == "worker":
                    count = rng.randint(1, 3)
                    args.append(jlist(queues[:count]))
                    queues = queues[count:]
                    if tier == 1 and rng.random() < 0.5:
                        args.append("replicas=%d" % rng.choice([2, 4]))
                elif shape == "edgeGateway":
                    if tier == 1:
                        args.append("replicas=%d" % rng.choice([4, 6]))
                    ports.update(["public", "internal", "admin"])
                elif shape == "website":
                    args.append("port=3000")
                    ports.add("http")
                elif shape == "cron":
                    args.append(jlist(sorted(rng.sample(JOBS, rng.randint(2, 4)))))
                if pinned:
                    args.append(pinned)
                terms.append(["division.%s(%s)" % (shape, ", ".join(args))])
            shape_counts[shape] = shape_counts.get(shape, 0) + 1

            # Extras, each a mixin of its own.
            extras = []
            if not s["library"]:
                if rng.random() < 0.6 and shape not in ("website",):
                    size = {1: "large", 2: "medium", 3: "small"}[tier]
                    db = rng.choice(DATABASES)
                    args = [q(db), "size=%s" % q(size)]
                    if rng.random() < 0.45:
                        args.append("cacheGb=%d" % rng.choice([2, 4, 8, 16]))
                    if rng.random() < 0.2:
                        args.append("version='17'")
                    imports["datastore"] = "golden/datastore.libsonnet"
                    extras.append(["datastore(%s)" % ", ".join(args)])
                elif rng.random() < 0.4:
                    imports["redis"] = "core/redis.libsonnet"
                    extras.append(["redis(%s, memoryGb=%d)" % (q(rng.choice(["sessions", "locks", "pages"])),
                                                                rng.choice([1, 2, 4]))])
                if rng.random() < 0.35:
                    topics = sorted(rng.sample(TOPICS, rng.randint(1, 3)))
                    consumes = queues[:rng.randint(0, 2)]
                    queues = queues[len(consumes):]
                    imports["streaming"] = "golden/streaming.libsonnet"
                    extras.append(["streaming(%s%s)" % (jlist(topics), ", consumes=%s" % jlist(consumes) if consumes else "")])
                elif shape not in ("worker",) and rng.random() < 0.3:
                    imports["queue"] = "core/queue.libsonnet"
                    extras.append(["queue.consumer(%s, maxLagSeconds=%d)" % (q(queues[0]), rng.choice([60, 300, 900]))])
                    queues = queues[1:]
                if rng.random() < 0.2:
                    imports["bucket"] = "core/bucket.libsonnet"
                    retention = rng.choice([None, 30, 90, 400, 2555])
                    extras.append(["bucket(%s%s)" % (
                        q("acme-%s-%s" % (name, rng.choice(["exports", "archive", "assets", "uploads"]))),
                        "" if retention is None else ", retentionDays=%d" % retention)])
                if "admin" not in ports and rng.random() < 0.15:
                    imports["tcp"] = "core/tcp.libsonnet"
                    extras.append(["tcp(6060, 'pprof')"])
            tuning = []
            if shared_namespace:
                tuning.append(["tuning.teamNamespace"])
            if not s["library"] and tier == 1 and rng.random() < 0.4:
                tuning.append(["tuning.slo(%s, latencyP99Ms=%d)" % (rng.choice(["99.99", "99.95"]),
                                                                    rng.choice([100, 150, 200]))])
            if not s["library"] and rng.random() < 0.3:
                cpu, memory = rng.choice([("250m", "512Mi"), ("1", "2Gi"), ("2", "4Gi"), ("4", "8Gi")])
                tuning.append(["tuning.requests(%s, %s)" % (q(cpu), q(memory))])
            domain, role = name.split("-")[0], name.split("-")[1]
            env = [("%s_%s_ENABLED" % (domain.upper(), role.upper()), "true"),
                   ("CACHE_TTL_SECONDS", str(rng.choice([30, 60, 300, 900]))),
                   ("FEATURE_FLAGS_PROJECT", "%s-%s" % (division, team))]
            if rng.random() < 0.5:
                env.append(("UPSTREAM_TIMEOUT_MS", str(rng.choice([250, 500, 1000, 2000]))))
            tuning.append(["tuning.env(%s)" % jobject(env)])
            tuning.append(["tuning.annotations(%s)" % jobject([
                ("acme.example/component", role), ("acme.example/domain", domain),
                ("acme.example/team-path", "%s/%s" % (division, team))])])
            rng.shuffle(extras)
            dep_term = None
            if s["deps"] or s["libs"]:
                imports["deps"] = "core/deps.libsonnet"
                names = [self.services[j]["name"] for j in s["deps"]]
                libs = [self.services[j]["name"] for j in s["libs"]]
                text = "deps(%s%s)" % (jlist(names), ", libraries=%s" % jlist(libs) if libs else "")
                if len(text) > 90:
                    inner = ["      %s," % q(n) for n in names]
                    dep_term = ["deps(["] + inner + ["    ]%s)" % (", libraries=%s" % jlist(libs) if libs else "")]
                else:
                    dep_term = [text]
            # At most 8 mixins: the service, its shape, its extras, its tuning, its dependencies.
            room = 8 - len(terms) - (1 if dep_term else 0)
            extras = extras[:room]
            room -= len(extras)
            if tuning:
                imports["tuning"] = "core/tuning.libsonnet"
            chosen = tuning[:room]
            if not any(t[0].startswith("tuning.") for t in chosen):
                del imports["tuning"]
            terms += extras + chosen
            if dep_term:
                terms.append(dep_term)
            assert 3 <= len(terms) <= 8, (name, len(terms))
            mixin_counts.append(len(terms))

            lines = ["// %s: %s" % (name, description)]
            for local in sorted(imports):
                lines.append("local %s = import %s;" % (local, q(imports[local])))
            lines.append("")
            for k, term in enumerate(terms):
                prefix = "" if k == 0 else "+ "
                lines.append(prefix + term[0])
                lines.extend(term[1:])
            s["path"] = "services/%s/%s/%s.jsonnet" % (division, team, name)
            self.files[s["path"]] = "\n".join(lines) + "\n"
        self.shape_counts = shape_counts
        self.mixin_counts = mixin_counts

    def write_all(self):
        lines = ["// Every entity of the registry in one document, for `jrsonnet -J lib all.libsonnet`.", "{"]
        for kind, entries in (
            ("teams", self.teams),
            ("projects", self.projects),
            ("clusters", self.clusters),
            ("services", self.services),
        ):
            lines.append("  %s: {" % kind)
            for entry in entries:
                lines.append("    %s: import %s," % (q(entry["name"]), q(entry["path"])))
            lines.append("  },")
        lines.append("}")
        self.files["all.libsonnet"] = "\n".join(lines) + "\n"

    def build(self):
        self.files["registry.jsonnet"] = REGISTRY_JSONNET % {"generated": q(self.generated_path)}
        self.files.update(LIBRARY)
        self.make_teams()
        self.make_projects()
        self.make_clusters()
        self.make_services()
        self.write_teams()
        self.write_projects()
        self.write_clusters()
        self.write_zones()
        self.write_services()
        self.write_all()


# The Azure tenant every AKS cluster's Argo CD identity belongs to.
TENANT = "5f1c2a9e-3b7d-4c61-9e28-0a4b6d8f1c37"


def stamp(n, seed):
    """What `.generator` holds: this script's SHA-256, N and the seed."""
    with open(os.path.abspath(__file__), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return "%s %d %d\n" % (digest, n, seed)


def main():
    parser = argparse.ArgumentParser(description="Generate a synthetic registry of deep mixins for benchmarks.")
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
        sys.exit("generate_mixins.py: %s exists and holds no registry; refusing to replace it" % out)
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
    counts = registry.mixin_counts
    print("%s: %d services (%s), %d teams, %d projects, %d clusters in %d zones; "
          "%d mixins a service on average; %d files, %.1f MB of Jsonnet; generatedPath %s" % (
              args.out, len(registry.services),
              ", ".join("%d %s" % (registry.shape_counts[k], k) for k in sorted(registry.shape_counts)),
              len(registry.teams), len(registry.projects), len(registry.clusters), len(registry.zones),
              round(sum(counts) / len(counts)), len(registry.files), size / 1e6, generated))


if __name__ == "__main__":
    main()
