import { collectDefaultMetrics, Registry } from 'prom-client'

// prom-client's defaults include gauges named *_total, which `promtool check metrics` rejects
// (a _total suffix is reserved for counters). We drop these three and keep the rest.
const LINT_REJECTED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

// prom-client samples the event loop's delay with a 10 ms timer for these percentiles: 100
// wake-ups a second cost 8.7 ms of CPU per second on an idle prober (measured, gVisor), more
// than everything else it does when idle, and the percentiles include the sampling period (a
// coarser timer reads as lag). Not exported; the timer runs once a second. What lag does to
// probes is `egress_probe_start_delay_seconds`; `nodejs_eventloop_lag_seconds` is still
// measured at each scrape.
const SAMPLED_LAG = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'].map((s) => `nodejs_eventloop_lag_${s}_seconds`)

/** A fresh registry with the process and Node.js default metrics. */
export function createRegistry (): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 })
  for (const name of [...LINT_REJECTED, ...SAMPLED_LAG]) registry.removeSingleMetric(name)
  return registry
}
