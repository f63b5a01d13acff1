/**
 * The latest result of every (target, via) pair, a short latency history for the status
 * page, and the egress IP of each via. Everything the metrics and pages show is read here.
 */
import { DIRECT } from '../config/types.js'
import { pairKey } from '../probes/pair-key.js'
import type { ProbeResult } from '../probes/types.js'
import type { TlsFacts } from '../transport/tls.js'
import { verdictOf, type Verdict } from '../probes/verdict.js'
import { PathHistory } from './path-history.js'
import type { HopResult } from '../probes/hops.js'
import { isEgressCheck } from '../probes/kinds.js'

export interface PairState {
  latest?: ProbeResult
  /** The TLS facts of the latest probe that completed a handshake (https). */
  tls?: TlsFacts
  /** Total durations (seconds) of the most recent probes, oldest first; NaN marks a failure. */
  recent: number[]
}

interface EgressState {
  /** The pair of the egress check that fed it. */
  key: string
  /** The latest answer was outside egress_ip.expect. */
  outside?: boolean
  /** What the latest check saw; undefined when it got no usable answer. */
  ip?: string
  /** The country the latest check's answer named, if it named one. */
  country?: string
  /** The last country ever seen, for the status page while a path is down. */
  lastKnownCountry?: string
  /** The last IP ever seen, to count changes across failed checks. */
  lastKnown?: string
  changes: number
}

/** A pair's state with its names, as the store keeps it. */
interface Entry { target: string, via: string, state: PairState }

/** The latest result of each pair, the egress IP of each via, the path history and hop probes: what every output reads. */
export class ResultStore {
  private readonly pairs = new Map<string, Entry>()
  private readonly egress = new Map<string, EgressState>()
  /**
   * Per via: pairs with a result, and those whose latest result succeeded. Kept as the results
   * come in, so viaUp() (asked after every probe) costs O(1), not a walk over every pair.
   */
  private readonly tally = new Map<string, { seen: number, ok: number }>()

  /** Per path: down since when, and its success share over the last hour and day. */
  readonly paths = new PathHistory()

  /** Per proxy with an upstream: the latest hop probes of its VLESS server (probes/hops.ts). */
  private readonly upstreams = new Map<string, HopResult>()

  setHops (via: string, result: HopResult): void { this.upstreams.set(via, result) }

  hops (via: string): HopResult | undefined { return this.upstreams.get(via) }

  constructor (private readonly historySize = 30) {}

  add (result: ProbeResult): void {
    const pair = this.pair(result.target, result.via)
    this.count(result.via, pair.latest, -1)
    this.count(result.via, result, 1)
    pair.latest = result
    if (result.tls !== undefined) pair.tls = result.tls
    pair.recent.push(result.success ? result.durationSeconds : Number.NaN)
    if (pair.recent.length > this.historySize) pair.recent.shift()
    if (isEgressCheck(result.kind)) this.noteEgress(result)
    this.paths.record(result.via, result.startedAt, result.success, this.viaUp(result.via))
  }

  get (target: string, via: string): PairState | undefined {
    return this.pairs.get(pairKey(target, via))?.state
  }

  /** Every pair that has a state, with its names. */
  entries (): Entry[] {
    return [...this.pairs.values()]
  }

  /**
   * Whether anything probed through `via` succeeded in its latest run: true, false when every
   * pair failed, undefined before the first result.
   */
  viaUp (via: string): boolean | undefined {
    const t = this.tally.get(via)
    return t === undefined || t.seen === 0 ? undefined : t.ok > 0
  }

  private count (via: string, result: ProbeResult | undefined, by: 1 | -1): void {
    if (result === undefined) return
    const t = this.tally.get(via) ?? { seen: 0, ok: 0 }
    t.seen += by
    if (result.success) t.ok += by
    this.tally.set(via, t)
  }

  /** The verdict on a target from the latest result of each of its vias. */
  verdict (target: { name: string, via: string[] }): Verdict {
    return verdictOf(Object.fromEntries(target.via.map((via) => [via, this.get(target.name, via)?.latest?.success])))
  }

  /** Whether a proxy's egress IP equals the direct path's; undefined while either is unknown. */
  leak (via: string): boolean | undefined {
    const ip = this.egressIp(via)
    const direct = this.egressIp(DIRECT)
    return via === DIRECT || ip === undefined || direct === undefined ? undefined : ip === direct
  }

  /** Whether the via's egress IP is inside egress_ip.expect; undefined without a list or an answer. */
  egressExpected (via: string, hasList: boolean): boolean | undefined {
    const e = this.egress.get(via)
    return !hasList || via === DIRECT || e?.ip === undefined ? undefined : !e.outside
  }

  /** The egress IP the latest egress check of `via` saw, if it got an answer. */
  egressIp (via: string): string | undefined {
    return this.egress.get(via)?.ip
  }

  /** The egress country the latest egress check of `via` was told, if any. */
  egressCountry (via: string): string | undefined {
    return this.egress.get(via)?.country
  }

  /** The last egress IP and country ever seen through `via` (shown while the path is down). */
  lastKnownEgress (via: string): { ip?: string, country?: string } {
    const e = this.egress.get(via)
    return { ...(e?.lastKnown !== undefined && { ip: e.lastKnown }), ...(e?.lastKnownCountry !== undefined && { country: e.lastKnownCountry }) }
  }

  /** Whether the via's egress country is in egress_ip.expect_country; undefined without a list, for direct, or unknown. */
  countryExpected (via: string, expected: string[]): boolean | undefined {
    const country = this.egressCountry(via)
    return expected.length === 0 || via === DIRECT || country === undefined ? undefined : expected.includes(country)
  }

  egressChanges (via: string): number {
    return this.egress.get(via)?.changes ?? 0
  }

  /** Drops the state of pairs that are no longer configured (after a reload). */
  retain (keep: Set<string>): void {
    for (const [key, entry] of this.pairs) {
      if (keep.has(key)) continue
      this.count(entry.via, entry.state.latest, -1)
      this.pairs.delete(key)
    }
    for (const [via, e] of this.egress) if (!keep.has(e.key)) this.egress.delete(via)
    const vias = new Set([...this.pairs.values()].map((e) => e.via))
    this.paths.retain(vias)
    for (const via of this.upstreams.keys()) if (!vias.has(via)) this.upstreams.delete(via)
  }

  private pair (target: string, via: string): PairState {
    const key = pairKey(target, via)
    let entry = this.pairs.get(key)
    if (entry === undefined) { entry = { target, via, state: { recent: [] } }; this.pairs.set(key, entry) }
    return entry.state
  }

  private noteEgress (result: ProbeResult): void {
    const key = pairKey(result.target, result.via)
    const state: EgressState = this.egress.get(result.via) ?? { key, changes: 0 }
    state.key = key
    state.outside = result.reason === 'ip_unexpected'
    const ip = result.egressIp
    if (ip !== undefined && state.lastKnown !== undefined && state.lastKnown !== ip) state.changes++
    if (ip !== undefined) state.lastKnown = ip
    if (ip === undefined) delete state.ip
    else state.ip = ip
    if (ip === undefined || result.egressCountry === undefined) delete state.country
    else state.country = state.lastKnownCountry = result.egressCountry
    this.egress.set(result.via, state)
  }
}
