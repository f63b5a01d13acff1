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
import { MAX_MESSAGE_MB } from './client.js'
import { bounded } from '../transport/tls.js'
import type { Stat, StatsClient, SysStats } from './client.js'

/** Traffic series exported at most (uplink and downlink together); the rest counted in xray_stats_dropped. */
export const MAX_TRAFFIC_SERIES = 1000
/** Tags are the sidecar's names for inbounds, outbounds and users: label text, bounded. */
const MAX_TAG = 64

interface Traffic { uplink: Sample[], downlink: Sample[], dropped: number }
interface Snapshot { up: boolean, seconds: number, traffic: Traffic, sys?: SysStats }

const NO_TRAFFIC: Traffic = { uplink: [], downlink: [], dropped: 0 }

/**
 * The traffic counters of one answer as series: tags bounded to 64 printable characters,
 * duplicates (the same name twice, or two tags equal once bounded) summed, at most
 * MAX_TRAFFIC_SERIES of them (in name order, so the same ones each scrape); the rest dropped
 * and counted (60,000 stats once made 60,000 series and a 4.9 MB /metrics).
 */
export function trafficSeries (stats: Stat[]): Traffic {
  const merged = new Map<string, { dimension: string, tag: string, direction: 'uplink' | 'downlink', value: number }>()
  let dropped = 0
  for (const stat of stats) {
    const p = parseStatName(stat.name)
    if (p === undefined) { dropped++; continue }
    const tag = bounded(p.tag, MAX_TAG)
    const key = `${p.direction}\u0000${p.dimension}\u0000${tag}`
    const entry = merged.get(key)
    const value = Number.isFinite(stat.value) ? Math.max(0, stat.value) : 0
    if (entry !== undefined) entry.value += value
    else merged.set(key, { dimension: p.dimension, tag, direction: p.direction, value })
  }
  const kept = [...merged.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
  dropped += Math.max(0, kept.length - MAX_TRAFFIC_SERIES)
  const out: Traffic = { uplink: [], downlink: [], dropped }
  for (const [, e] of kept.slice(0, MAX_TRAFFIC_SERIES)) out[e.direction].push({ labels: { dimension: e.dimension, tag: e.tag }, value: e.value })
  return out
}

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
      return { up: true, seconds: (performance.now() - started) / 1000, traffic: trafficSeries(stats), sys }
    } catch (err) {
      if (wasUp !== false) logger.warn({ detail: describe(err) }, 'xray stats API unreachable')
      wasUp = false
      return { up: false, seconds: (performance.now() - started) / 1000, traffic: NO_TRAFFIC }
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
  for (const direction of ['uplink', 'downlink'] as const) add(`xray_traffic_${direction}_bytes_total`, (s) => s.traffic[direction])
  add('xray_stats_dropped', (s) => s.up ? [{ value: s.traffic.dropped }] : [])
}

/** gRPC's RESOURCE_EXHAUSTED on an answer over the receive limit, named; other errors as they come. */
function describe (err: unknown): string {
  const e = err as { code?: number, details?: string, message?: string }
  if (e.code === 8) return `the stats answer is larger than the ${MAX_MESSAGE_MB} MiB allowed (too many stats: set the sidecar's policy to fewer counters)`
  return (e.details ?? e.message ?? String(err)).split('\n')[0]!.slice(0, 200)
}
