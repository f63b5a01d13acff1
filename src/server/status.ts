/**
 * What the status page and /api/status show: one row per target, one cell per via, the verdict,
 * the egress IP per via with its flags, and the sidecar. Built from the ResultStore; target URLs
 * lose their query (it may hold a key) and proxies show redacted URLs only.
 */
import { DIRECT } from '../config/types.js'
import type { Prober } from '../prober.js'
import type { Verdict } from '../probes/verdict.js'
import { brokenHop, type Hop } from '../probes/chain.js'
import type { HopStep } from '../probes/hops.js'
import { describeVless } from '../config/vless-link.js'
import type { StatsClient } from '../xray/client.js'
import { trafficSeries } from '../xray/metrics.js'
import { VERSION } from '../version.js'

export interface StatusCell {
  via: string
  state: 'ok' | 'failed' | 'pending'
  reason?: string
  latencyMs?: number
  statusCode?: number
  lastRun?: string
  /** Recent total latencies in ms, oldest first; null for a failed probe. */
  history: (number | null)[]
}

export interface StatusModel {
  version: string
  config: string
  generatedAt: string
  /** How many paths there are and how many are down (every pair through them failing), since when. */
  summary: { paths: number, down: number, downSince?: string }
  vias: { name: string, proxy?: string, up?: boolean, brokenHop?: Hop, upstream?: { server: string, tcp?: HopStep, tls?: HopStep }, downSince?: string, uptime1h?: number, uptime24h?: number, egressIp?: string, egressCountry?: string, lastKnown?: { ip?: string, country?: string }, leak?: boolean, expected?: boolean, countryExpected?: boolean }[]
  targets: { name: string, url: string, verdict: Verdict, cells: StatusCell[] }[]
  xray?: { up: boolean, uptimeSeconds?: number, traffic: { dimension: string, tag: string, uplinkBytes: number, downlinkBytes: number }[] }
}

export async function buildStatus (prober: Prober, xray?: StatsClient, now = Date.now()): Promise<StatusModel> {
  const config = prober.currentConfig
  const store = prober.store
  const vias = [DIRECT, ...Object.keys(config.proxies)].map((name) => {
    const ip = store.egressIp(name)
    const up = name === DIRECT ? undefined : store.viaUp(name)
    const leak = store.leak(name)
    const expected = store.egressExpected(name, config.egressIp.expect.length > 0)
    const country = store.egressCountry(name)
    const countryExpected = store.countryExpected(name, config.egressIp.expectCountry)
    // While a path gives no answer, what it last said (ip and country came from the network: bounded, see ip.ts and country.ts).
    const lastKnown = ip === undefined ? store.lastKnownEgress(name) : {}
    const since = store.viaUp(name) === false ? store.paths.since(name) : undefined
    const uptime1h = store.paths.uptime(name, now, 60)
    const uptime24h = store.paths.uptime(name, now, 24 * 60)
    const proxy = config.proxies[name]
    const hop = proxy === undefined ? undefined : brokenHop(name, config, store, store.hops(name))
    const hops = store.hops(name)
    return {
      name,
      ...(hop !== undefined && { brokenHop: hop }),
      // The upstream as a safe description (never the link: it holds the id).
      ...(proxy?.upstream !== undefined && { upstream: { server: describeVless(proxy.upstream), ...(hops !== undefined && { tcp: hops.tcp, ...(hops.tls !== undefined && { tls: hops.tls }) }) } }),
      ...(since !== undefined && { downSince: new Date(since).toISOString() }),
      ...(uptime1h !== undefined && { uptime1h: Math.round(uptime1h * 10_000) / 10_000 }),
      ...(uptime24h !== undefined && { uptime24h: Math.round(uptime24h * 10_000) / 10_000 }),
      ...(config.proxies[name] !== undefined && { proxy: config.proxies[name].redactedUrl }),
      ...(up !== undefined && { up }),
      ...(ip !== undefined && { egressIp: ip }),
      ...(country !== undefined && { egressCountry: country }),
      ...(lastKnown.ip !== undefined && { lastKnown }),
      ...(leak !== undefined && { leak }),
      ...(expected !== undefined && { expected }),
      ...(countryExpected !== undefined && { countryExpected }),
    }
  })
  const targets = config.targets.map((t) => {
    const cells: StatusCell[] = t.via.map((via) => {
      const state = store.get(t.name, via)
      const r = state?.latest
      const cell: StatusCell = { via, state: r === undefined ? 'pending' : r.success ? 'ok' : 'failed', history: (state?.recent ?? []).map((s) => Number.isNaN(s) ? null : Math.round(s * 10_000) / 10) }
      if (r === undefined) return cell
      if (r.reason !== undefined) cell.reason = r.reason
      cell.latencyMs = Math.round(r.durationSeconds * 10_000) / 10
      if (r.statusCode !== 0) cell.statusCode = r.statusCode
      cell.lastRun = new Date(r.startedAt).toISOString()
      return cell
    })
    return { name: t.name, url: t.url.origin + t.url.pathname, verdict: store.verdict(t), cells }
  })
  const down = vias.filter((v) => v.downSince !== undefined)
  const summary = {
    paths: vias.length,
    down: down.length,
    ...(down.length > 0 && { downSince: down.map((v) => v.downSince!).sort()[0]! }),
  }
  const model: StatusModel = { version: VERSION, config: config.source, generatedAt: new Date(now).toISOString(), summary, vias, targets }
  if (xray !== undefined) model.xray = await xrayStatus(xray)
  return model
}

async function xrayStatus (client: StatsClient): Promise<NonNullable<StatusModel['xray']>> {
  try {
    const { stats, sys } = await client.scrape(1000)
    // The same bounded, merged series /metrics exports (xray/metrics.ts): a sidecar with 60,000
    // stats shows 1,000 rows, never a page of megabytes.
    const series = trafficSeries(stats)
    const traffic = new Map<string, { dimension: string, tag: string, uplinkBytes: number, downlinkBytes: number }>()
    for (const direction of ['uplink', 'downlink'] as const) {
      for (const sample of series[direction]) {
        const { dimension = '', tag = '' } = sample.labels ?? {}
        const key = `${dimension}/${tag}`
        const row = traffic.get(key) ?? { dimension, tag, uplinkBytes: 0, downlinkBytes: 0 }
        row[direction === 'uplink' ? 'uplinkBytes' : 'downlinkBytes'] = sample.value
        traffic.set(key, row)
      }
    }
    return { up: true, uptimeSeconds: sys.Uptime, traffic: [...traffic.values()].sort((a, b) => `${a.dimension}${a.tag}`.localeCompare(`${b.dimension}${b.tag}`)) }
  } catch {
    // Unreachable is a state the page shows (DOWN); /metrics's xray_up and its log say why.
    return { up: false, traffic: [] }
  }
}
