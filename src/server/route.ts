/**
 * Route advice for the backend: which path to use now for a host, from the latest probes of the
 * configured targets on that host (`GET /api/route?host=`), and the same as a PAC file
 * (`GET /proxy.pac`) that any HTTP client with PAC support can follow instead of a static list
 * of domains. Working paths first, in the configured order of the targets' `via` (a preference:
 * a host listed as needing the proxy goes through it while it works; `route.prefer: latency`
 * sorts them fastest first instead); then paths without a result yet; then failing ones, as last
 * resorts. A path fails only by failures that are its own: a reason that blames the proxy or the
 * network, or an answer that other paths did not get (a geo block on direct alone). A 404 on every
 * path says nothing about any of them. Hosts nobody configured go DIRECT. Proxy credentials never
 * appear.
 */
import { isIPv6 } from 'node:net'
import { DIRECT, type Config, type ProxyConfig, type TargetConfig } from '../config/types.js'
import { canonicalHost } from '../net/host.js'
import { blamesOf } from '../probes/reasons.js'
import { transportOf } from '../transport/transports.js'
import type { ProbeResult } from '../probes/types.js'
import type { ResultStore } from '../state/store.js'
import { isEgressCheck } from '../probes/kinds.js'

export interface PathAdvice {
  via: string
  /** true: no latest probe through it failed by the path's fault; false: one did; absent: no result yet. */
  ok?: boolean
  /** The reasons (closed set) of the latest probes through it that failed by the path's fault. */
  reasons?: string[]
  /** The slowest latest successful probe through it, in seconds. */
  latencySeconds?: number
}

export interface RouteAdvice {
  host: string
  /** The configured targets on this host (none: everything goes direct, as in /proxy.pac). */
  targets: string[]
  /**
   * The path to use now: `direct`, a proxy name, or null when every path failed by its own fault
   * in the latest probes (or none has a result yet). Null is no reason to give up: try
   * `fallbacks` in order, the best guesses first.
   */
  use: string | null
  /** The paths to try after `use`, in order. */
  fallbacks: string[]
  paths: PathAdvice[]
  /** Each target's verdict (ok, direct_blocked, proxy_broken, ...). */
  verdicts: Record<string, string>
}

/** A target's host as PAC and /api/route name it (net/host.ts). */
const hostOf = (url: URL): string => canonicalHost(url.hostname) ?? url.hostname

const rank = (p: PathAdvice): number => p.ok === true ? 0 : p.ok === undefined ? 1 : 2

/** Per config (a reload brings a new one): the configured targets by host, built once. */
const hostMaps = new WeakMap<Config, Map<string, TargetConfig[]>>()

/** The configured targets by host (the egress-IP check is not one of them). */
function targetsByHost (config: Config): Map<string, TargetConfig[]> {
  let byHost = hostMaps.get(config)
  if (byHost !== undefined) return byHost
  byHost = new Map<string, TargetConfig[]>()
  for (const t of config.targets) {
    if (isEgressCheck(t.kind)) continue
    const host = hostOf(t.url)
    const list = byHost.get(host)
    if (list === undefined) byHost.set(host, [t])
    else list.push(t)
  }
  hostMaps.set(config, byHost)
  return byHost
}

/** Advice for a host as a client spelled it; undefined when it is not a host name or IP literal. */
export function routeFor (host: string, config: Config, store: ResultStore): RouteAdvice | undefined {
  const name = canonicalHost(host)
  if (name === undefined) return undefined
  return advise(name, targetsByHost(config).get(name) ?? [], config, store)
}

/** Whether a failed result is the path's fault: it blames the path, or the target answered through another path. */
function pathsFault (r: ProbeResult, elsewhere: (ProbeResult | undefined)[]): boolean {
  if (r.success) return false
  const blames = blamesOf(r.reason ?? 'unknown')
  if (blames === 'proxy' || blames === 'network') return true
  return elsewhere.some((o) => o?.success === true)
}

function advise (name: string, targets: TargetConfig[], config: Config, store: ResultStore): RouteAdvice {
  const vias = [...new Set(targets.flatMap((t) => t.via))]
  const latestOf = (t: TargetConfig, via: string): ProbeResult | undefined => store.get(t.name, via)?.latest
  const paths = vias.map((via): PathAdvice => {
    const mine = targets.filter((t) => t.via.includes(via))
    if (mine.some((t) => latestOf(t, via) === undefined)) return { via }
    const elsewhere = (t: TargetConfig): (ProbeResult | undefined)[] => t.via.filter((v) => v !== via).map((v) => latestOf(t, v))
    const faults = mine.filter((t) => pathsFault(latestOf(t, via)!, elsewhere(t))).map((t) => latestOf(t, via)!)
    if (faults.length > 0) return { via, ok: false, reasons: [...new Set(faults.map((r) => r.reason ?? 'unknown'))] }
    const answered = mine.map((t) => latestOf(t, via)!).filter((r) => r.success)
    return { via, ok: true, ...(answered.length > 0 && { latencySeconds: Math.max(...answered.map((r) => r.durationSeconds)) }) }
  })
  const byLatency = config.routePrefer === 'latency'
  // Stable: equal ranks keep the configured order.
  const ordered = [...paths].sort((a, b) => rank(a) - rank(b) || (byLatency && a.ok === true && b.ok === true ? (a.latencySeconds ?? Infinity) - (b.latencySeconds ?? Infinity) : 0))
  const use = targets.length === 0 ? DIRECT : ordered[0]?.ok === true ? ordered[0].via : null
  return {
    host: name,
    targets: targets.map((t) => t.name),
    use,
    fallbacks: ordered.map((p) => p.via).filter((via) => via !== use),
    paths: ordered,
    verdicts: Object.fromEntries(targets.map((t) => [t.name, store.verdict(t)])),
  }
}

/**
 * A PAC token for a path: `DIRECT`, or the transport's (`SOCKS5 h:p`, `PROXY h:p`, `HTTPS h:p`;
 * never credentials); undefined for a path an HTTP client cannot use (a native VLESS path).
 */
function pacToken (via: string, proxies: Record<string, ProxyConfig>): string | undefined {
  const p = proxies[via]
  if (via === DIRECT || p === undefined) return 'DIRECT'
  return transportOf(p.protocol).pac(`${isIPv6(p.host) ? `[${p.host}]` : p.host}:${p.port}`)
}

export function pacFile (config: Config, store: ResultStore, now: Date): string {
  const routes: Record<string, string> = Object.create(null) as Record<string, string>
  for (const [host, targets] of [...targetsByHost(config)].sort(([a], [b]) => a.localeCompare(b))) {
    const advice = advise(host, targets, config, store)
    const order = [...(advice.use === null ? [] : [advice.use]), ...advice.fallbacks]
    const tokens = [...new Set(order.map((via) => pacToken(via, config.proxies)).filter((t): t is string => t !== undefined))]
    if (tokens.length > 0) routes[host] = tokens.join('; ')
  }
  return `// egress-prober: the best working path per configured host, from the latest probes (${now.toISOString()}).
// Fetch it again to follow changes; hosts not listed go DIRECT.
// Parsed, not written as an object literal: a host named __proto__ stays a host.
var routes = JSON.parse(${JSON.stringify(JSON.stringify(routes, null, 2))});

function FindProxyForURL(url, host) {
  var h = String(host).toLowerCase();
  if (h.charAt(0) === "[") h = h.slice(1, -1);
  if (h.charAt(h.length - 1) === ".") h = h.slice(0, -1);
  return Object.prototype.hasOwnProperty.call(routes, h) ? routes[h] : "DIRECT";
}
`
}
