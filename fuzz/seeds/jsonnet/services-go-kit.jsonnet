services/go-kit.jsonnet
local service = import 'service.libsonnet';

// The shared Go service chassis: logging, metrics, tracing and graceful shutdown.
service.library('go-kit', owner='platform', tier=2, language='go',
                description='The Go service chassis every Go service builds on')
+ service.system('developer-platform')
