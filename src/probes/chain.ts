/**
 * The chain verdict: where a proxy path breaks. backend → sidecar inbound → (the upstream VLESS
 * server: TCP, then its TLS/REALITY handshake) → the tunnel → the egress → the target. For each
 * proxy path, the first hop that fails, in that order, from the latest probes through it, the
 * hop probes of its upstream and the other paths' results. The same fault gives the same hop
 * every time; a working path has none.
 */
import type { Config, TargetConfig } from '../config/types.js'
import type { ResultStore } from '../state/store.js'
import type { HopResult } from './hops.js'
import { blamesProber, type FailureReason } from './reasons.js'

export const HOPS = ['sidecar', 'upstream_unreachable', 'upstream_handshake', 'tunnel', 'egress', 'target'] as const
/** A hop of a proxy path, from the sidecar to the target (HOPS, in order). */
export type Hop = typeof HOPS[number]

/** Reasons that say the sidecar's own inbound refused or did not answer. */
const SIDECAR: ReadonlySet<FailureReason> = new Set(['proxy_refused', 'proxy_timeout'])

/** The first hop of a proxy path that fails, from its latest results and hop probes; undefined while the path works. */
export function brokenHop (via: string, config: Config, store: ResultStore, hops: HopResult | undefined): Hop | undefined {
  const pairs = config.targets.filter((t) => t.via.includes(via))
  const failing = pairs.filter((t) => { const r = store.get(t.name, via)?.latest; return r !== undefined && !r.success && !blamesProber(r.reason) })
  if (failing.length === 0) return egressBroken(via, config, store) ? 'egress' : undefined
  const reasons = failing.map((t) => store.get(t.name, via)!.latest!.reason)
  if (reasons.some((r) => r !== undefined && SIDECAR.has(r))) return 'sidecar'
  if (hops?.tcp.ok === false) return 'upstream_unreachable'
  if (hops?.tls?.ok === false) return 'upstream_handshake'
  // The sidecar and the server answer: traffic through the tunnel fails, unless only targets
  // that fail on every path do (a target outage behind a healthy tunnel).
  if (failing.some((t) => worksElsewhere(t, via, store))) return 'tunnel'
  if (egressBroken(via, config, store)) return 'egress'
  return 'target'
}

function worksElsewhere (t: TargetConfig, via: string, store: ResultStore): boolean {
  return t.via.some((v) => v !== via && store.get(t.name, v)?.latest?.success === true)
}

/** The path leaves from the wrong place: the egress check's IP or country not as expected, or a leak. */
function egressBroken (via: string, config: Config, store: ResultStore): boolean {
  return store.leak(via) === true ||
    store.egressExpected(via, config.egressIp.expect.length > 0) === false ||
    store.countryExpected(via, config.egressIp.expectCountry) === false
}
