/**
 * xray_* metrics, read from the stats API when /metrics is scraped (one API round per scrape,
 * with a short deadline). API down or slow → xray_up 0, the other xray_ series absent (not 0:
 * a counter that drops to 0 reads as a reset) and the rest of /metrics unaffected; one log line
 * per state change, not per scrape.
 */
import type { Registry } from 'prom-client'
import type { Logger } from '../log.js'
import { METRICS, type MetricDef, type MetricName } from '../metrics/catalogue.js'
import { registerSnapshotMetric, type Sample } from '../metrics/snapshot-metric.js'
import type { Stat, StatsClient, SysStats } from './client.js'

interface Snapshot { up: boolean, seconds: number, stats: Stat[], sys?: SysStats }

/** `inbound>>>TAG>>>traffic>>>uplink` → { dimension, tag, direction }. */
export function parseStatName (name: string): { dimension: string, tag: string, direction: 'uplink' | 'downlink' } | undefined {
  const m = /^(inbound|outbound|user)>>>(.+)>>>traffic>>>(uplink|downlink)$/.exec(name)
  return m === null ? undefined : { dimension: m[1]!, tag: m[2]!, direction: m[3] as 'uplink' | 'downlink' }
}

const SYS_METRICS: [name: MetricName, read: (s: SysStats) => number][] = [
  ['xray_uptime_seconds', (s) => s.Uptime],
  ['xray_goroutines', (s) => s.NumGoroutine],
  ['xray_memstats_alloc_bytes', (s) => s.Alloc],
  ['xray_memstats_sys_bytes', (s) => s.Sys],
  ['xray_memstats_live_objects', (s) => s.LiveObjects],
  ['xray_memstats_mallocs_total', (s) => s.Mallocs],
  ['xray_memstats_frees_total', (s) => s.Frees],
  ['xray_memstats_gc_total', (s) => s.NumGC],
  // Go reports nanoseconds; Prometheus wants base units.
  ['xray_memstats_gc_pause_seconds_total', (s) => s.PauseTotalNs / 1e9],
]

export function registerXrayMetrics (registry: Registry, client: StatsClient, logger: Logger, deadlineMs = 2000): void {
  let pending: Promise<Snapshot> | undefined
  let wasUp: boolean | undefined
  const scrape = async (): Promise<Snapshot> => {
    const started = performance.now()
    try {
      const { stats, sys } = await client.scrape(deadlineMs)
      if (wasUp !== true) logger.info({ service: client.service }, 'xray stats API reachable')
      wasUp = true
      return { up: true, seconds: (performance.now() - started) / 1000, stats, sys }
    } catch (err) {
      if (wasUp !== false) logger.warn({ detail: (err as Error).message }, 'xray stats API unreachable')
      wasUp = false
      return { up: false, seconds: (performance.now() - started) / 1000, stats: [] }
    }
  }
  // prom-client calls every metric's get() synchronously at the start of a scrape: metrics
  // asking within that tick share one API round.
  const snapshot = (): Promise<Snapshot> => {
    if (pending === undefined) {
      pending = scrape()
      setImmediate(() => { pending = undefined })
    }
    return pending
  }
  const add = (name: MetricName, samples: (s: Snapshot) => Sample[]): void => {
    const { help, type } = METRICS[name] as MetricDef
    registerSnapshotMetric(registry, { name, help, type: type === 'counter' ? 'counter' : 'gauge', samples: async () => samples(await snapshot()) })
  }
  add('xray_up', (s) => [{ value: s.up ? 1 : 0 }])
  add('xray_scrape_duration_seconds', (s) => [{ value: s.seconds }])
  for (const [name, read] of SYS_METRICS) add(name, (s) => s.sys === undefined ? [] : [{ value: read(s.sys) }])
  for (const direction of ['uplink', 'downlink'] as const) {
    add(`xray_traffic_${direction}_bytes_total`,
      (s) => s.stats.flatMap((stat) => {
        const p = parseStatName(stat.name)
        return p?.direction === direction ? [{ labels: { dimension: p.dimension, tag: p.tag }, value: Math.max(0, stat.value) }] : []
      }))
  }
}
