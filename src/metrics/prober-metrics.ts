/**
 * Sets every egress_* family from results (names, HELP and labels: catalogue.ts). Per-pair counters and the
 * duration histogram are fed one result at a time (`record`); every other family is computed
 * from the ResultStore when /metrics is rendered, so series of removed targets disappear by
 * themselves. Per-pair families are written by our own exposition writer (see exposition.ts);
 * the few process-wide ones stay in the prom-client registry.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { DIRECT, type Config } from '../config/types.js'
import type { ProbeResult } from '../probes/types.js'
import { VERDICTS } from '../probes/verdict.js'
import { brokenHop } from '../probes/chain.js'
import type { ResultStore } from '../state/store.js'
import { pairPhases } from '../probes/phases.js'
import { allKinds, egressCheckTarget, isEgressCheck, kindOf } from '../probes/kinds.js'
import type { KindPair } from '../probes/kind.js'
import { PHASES, type Phase } from '../transport/trace.js'
import { promClientOptions, type MetricName } from './catalogue.js'
import { ExpositionWriter, formatValue, labelString } from './exposition.js'
import { PairSeriesTable } from './pair-series.js'

/** Few enough to keep /metrics small at thousands of pairs; 2.5 s is the EgressProxySlow threshold. */
export const DURATION_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** What the prober tells the metrics: results, skipped and late runs, local errors; and the /metrics text of the egress_* families. */
export interface ProberMetrics {
  /** Counts a result: scheduled probes per pair, re-checks per via (apart, so ratios stay honest). */
  record: (result: ProbeResult, cause: 'schedule' | 'recheck') => void
  skipped: (target: string, via: string) => void
  /** Counts a probe this machine could not run (reason local_resource). */
  localError: () => void
  /** How late a scheduled probe started, in milliseconds (queueing, a busy event loop). */
  startDelay: (ms: number) => void
  /** Forgets the counter series of a pair no longer configured (after a reload). */
  forget: (target: string, via: string) => void
  /** The egress_* families as exposition text. */
  render: () => string
  /** The same text in chunks of at most a few thousand lines, for writing without blocking the event loop. */
  chunks: () => Generator<string>
}

/** Sets up the egress_* families: prom-client ones in `registry`, the per-pair ones rendered from `store` at each scrape. */
export function registerProberMetrics (registry: Registry, store: ResultStore, config: () => Config, version: string): ProberMetrics {
  const table = new PairSeriesTable(DURATION_BUCKETS, config().perTargetHistogram)
  const startDelay = new Histogram({
    ...promClientOptions('egress_probe_start_delay_seconds'),
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const localErrors = new Counter({ ...promClientOptions('egress_prober_local_errors_total'), registers: [registry] })
  new Gauge({
    ...promClientOptions('egress_prober_build_info'), registers: [registry],
  }).set({ version, nodejs_version: process.versions.node }, 1)
  // Label strings, formatted once: first label value → second label value → `a="x",b="y"`.
  // Only names from the config go in (targets, vias, verdicts), so it stays as small as the
  // config; a reload clears it.
  const labelCache = new Map<string, Map<string, string>>()
  const lbl: Labeler = (a, b) => {
    const key = `${a[0]}=${a[1]}`
    let inner = labelCache.get(key)
    if (inner === undefined) { inner = new Map(); labelCache.set(key, inner) }
    const k2 = b === undefined ? '' : `${b[0]}=${b[1]}`
    let s = inner.get(k2)
    if (s === undefined) { s = labelString(b === undefined ? [a] : [a, b]); inner.set(k2, s) }
    return s
  }
  return {
    record (r, cause) { if (cause === 'schedule') table.record(r); else table.recheck(r) },
    skipped (target, via) { table.skip(target, via) },
    localError () { localErrors.inc() },
    startDelay (ms) { startDelay.observe(Math.max(0, ms) / 1000) },
    forget (target, via) { table.forget(target, via); labelCache.clear() },
    render () { return [...this.chunks()].join('') },
    chunks () { return withConstantLabels(renderChunks(new ExpositionWriter(), store, config(), table, lbl), config().labels) },
  }
}

type Labeler = (a: [string, string], b?: [string, string]) => string
const PHASE_SUFFIX = Object.fromEntries(PHASES.map((phase) => [phase, `,phase="${phase}"`])) as Record<Phase, string>
const LE_SUFFIX = [...DURATION_BUCKETS.map((le) => `,le="${le}"`), ',le="+Inf"']

/** The lines of one result's per-pair gauges, formatted once: a result is scraped several times (every 5 s, probes every 15-30 s). */
interface ResultLines { success: string, status: string, lastRun: string, phases: string, reason?: string }
const resultLines = new WeakMap<ProbeResult, ResultLines>()

function linesOf (r: ProbeResult, labels: string, phases: readonly Phase[]): ResultLines {
  let l = resultLines.get(r)
  if (l === undefined) {
    const line = (name: string, suffix: string, value: number): string => `${name}{${labels}${suffix}} ${formatValue(value)}`
    l = {
      success: line('egress_probe_success', '', r.success ? 1 : 0),
      status: line('egress_probe_status_code', '', r.statusCode),
      lastRun: line('egress_probe_last_run_timestamp_seconds', '', r.startedAt / 1000),
      phases: phases.map((phase) => line('egress_probe_phase_seconds', PHASE_SUFFIX[phase], r.phases[phase])).join('\n'),
    }
    if (r.reason !== undefined) l.reason = line('egress_probe_failure_reason', `,reason="${r.reason}"`, 1)
    resultLines.set(r, l)
  }
  return l
}

/** Per config (a reload brings a new one): target → via → the phases that pair can go through. */
const phaseCache = new WeakMap<Config, Map<string, Map<string, Phase[]>>>()
function phasesOfPairs (config: Config): (target: string, via: string) => readonly Phase[] {
  let byTarget = phaseCache.get(config)
  if (byTarget === undefined) {
    byTarget = new Map(config.targets.map((t) => [t.name, new Map(t.via.map((via) => [via, pairPhases(t, config.proxies[via])]))]))
    phaseCache.set(config, byTarget)
  }
  const found = byTarget
  return (target, via) => found.get(target)?.get(via) ?? PHASES
}

/** Pairs per chunk: a chunk of the largest family (phases) is ~5,000 lines, a few ms to write. */
const CHUNK_PAIRS = 1000

/**
 * Every egress_* family, a chunk at a time. The latest results are taken once at the start, so
 * all the per-pair lines of one scrape come from the same results even while probes finish
 * between chunks.
 */
function * renderChunks (w: ExpositionWriter, store: ResultStore, config: Config, table: PairSeriesTable, lbl: Labeler): Generator<string> {
  const pair = (r: { target: string, via: string }): string => lbl(['target', r.target], ['via', r.via])
  const phases = phasesOfPairs(config)
  const entries = store.entries()
  const lines = entries.flatMap((e) => e.state.latest === undefined ? [] : [linesOf(e.state.latest, pair(e), phases(e.target, e.via))])
  function * perResult (name: MetricName, pick: (l: ResultLines) => string | undefined): Generator<string> {
    w.def(name)
    for (let i = 0; i < lines.length; i++) {
      const line = pick(lines[i]!)
      if (line !== undefined) w.raw(line)
      if (i % CHUNK_PAIRS === CHUNK_PAIRS - 1) yield w.drain()
    }
    yield w.drain()
  }
  yield * perResult('egress_probe_success', (l) => l.success)
  yield * perResult('egress_probe_status_code', (l) => l.status)
  yield * perResult('egress_probe_last_run_timestamp_seconds', (l) => l.lastRun)
  yield * perResult('egress_probe_phase_seconds', (l) => l.phases)
  yield * perResult('egress_probe_failure_reason', (l) => l.reason)
  // From the latest probe of the pair that completed TLS: a failing path keeps showing the certificate.
  const withTls = entries.flatMap((e) => e.state.tls === undefined ? [] : [{ ...e, tls: e.state.tls }])
  w.def('egress_probe_ssl_earliest_cert_expiry_seconds')
  for (const e of withTls) w.sample('egress_probe_ssl_earliest_cert_expiry_seconds', pair(e), e.tls.earliestExpiry)
  w.def('egress_probe_tls_info')
  for (const { tls: t, ...e } of withTls) {
    w.sample('egress_probe_tls_info', `${pair(e)},${labelString([['version', t.version], ['cipher', t.cipher], ['subject', t.leaf.subject], ['issuer', t.leaf.issuer]])}`, 1)
  }
  yield w.drain()
  yield * renderKinds(w, entries, config, pair)
  w.def('egress_probe_interval_seconds')
  for (const t of config.targets) for (const via of t.via) w.sample('egress_probe_interval_seconds', pair({ target: t.name, via }), t.intervalMs / 1000)
  yield w.drain()
  renderCounters(w, table, new Set(Object.keys(config.proxies)), new Set([DIRECT, ...Object.keys(config.proxies)]))
  yield w.drain()
  renderEgress(w, store, config, lbl)
  w.def('egress_target_verdict')
  for (const t of config.targets) {
    if (isEgressCheck(t.kind)) continue
    const verdict = store.verdict(t)
    for (const v of VERDICTS) w.sample('egress_target_verdict', lbl(['target', t.name], ['verdict', v]), v === verdict ? 1 : 0)
  }
  yield w.drain()
}

function renderCounters (w: ExpositionWriter, table: PairSeriesTable, proxies: Set<string>, vias: Set<string>): void {
  w.def('egress_probes_total')
  for (const p of table.values()) for (const [result, n] of p.results) w.sample('egress_probes_total', `${p.labels},result="${result}"`, n)
  w.def('egress_proxy_rechecks_total')
  for (const [labels, n] of table.rechecks(proxies)) w.sample('egress_proxy_rechecks_total', labels, n)
  w.def('egress_probe_skipped_total')
  for (const p of table.values()) if (p.skipped > 0) w.sample('egress_probe_skipped_total', p.labels, p.skipped)
  const h = 'egress_probe_duration_seconds'
  w.def(h)
  for (const p of table.histograms(vias)) {
    for (let i = 0; i < LE_SUFFIX.length; i++) w.sample(`${h}_bucket`, p.labels + LE_SUFFIX[i]!, p.buckets[i]!)
    w.sample(`${h}_sum`, p.labels, p.sum)
    w.sample(`${h}_count`, p.labels, p.count)
  }
}

function renderEgress (w: ExpositionWriter, store: ResultStore, config: Config, lbl: Labeler): void {
  const proxies = Object.keys(config.proxies)
  w.def('egress_ip_info')
  // Not through the label cache: an IP comes from the network, and every new one would stay there.
  for (const via of [DIRECT, ...proxies]) {
    const ip = store.egressIp(via)
    if (ip === undefined) continue
    const country = store.egressCountry(via)
    w.sample('egress_ip_info', labelString([['via', via], ['ip', ip], ...(country === undefined ? [] : [['country', country] as [string, string]])]), 1)
  }
  w.def('egress_country_expected')
  for (const via of proxies) {
    const expected = store.countryExpected(via, config.egressIp.expectCountry)
    if (expected !== undefined) w.sample('egress_country_expected', lbl(['via', via]), expected ? 1 : 0)
  }
  w.def('egress_ip_leak')
  for (const via of proxies) { const leak = store.leak(via); if (leak !== undefined) w.sample('egress_ip_leak', lbl(['via', via]), leak ? 1 : 0) }
  w.def('egress_ip_expected')
  for (const via of proxies) {
    const expected = store.egressExpected(via, config.egressIp.expect.length > 0)
    if (expected !== undefined) w.sample('egress_ip_expected', lbl(['via', via]), expected ? 1 : 0)
  }
  w.def('egress_ip_changes_total')
  for (const via of egressCheckTarget(config.targets)?.via ?? []) w.sample('egress_ip_changes_total', lbl(['via', via]), store.egressChanges(via))
  w.def('egress_proxy_up')
  for (const via of proxies) { const up = store.viaUp(via); if (up !== undefined) w.sample('egress_proxy_up', lbl(['via', via]), up ? 1 : 0) }
  renderChain(w, store, config, lbl)
}

/** The chain verdict of each proxy path and the hop probes of the upstreams (probes/chain.ts, hops.ts). */
function renderChain (w: ExpositionWriter, store: ResultStore, config: Config, lbl: Labeler): void {
  const proxies = Object.keys(config.proxies)
  w.def('egress_path_broken_hop')
  for (const via of proxies) {
    const hop = brokenHop(via, config, store, store.hops(via))
    if (hop !== undefined) w.sample('egress_path_broken_hop', lbl(['via', via], ['hop', hop]), 1)
  }
  const steps = proxies.flatMap((via) => {
    const h = store.hops(via)
    return h === undefined ? [] : [['tcp', h.tcp] as const, ...(h.tls === undefined ? [] : [['tls', h.tls] as const])].map(([step, r]) => ({ via, step, r }))
  })
  w.def('egress_upstream_hop_success')
  for (const { via, step, r } of steps) w.sample('egress_upstream_hop_success', lbl(['via', via], ['step', step]), r.ok ? 1 : 0)
  w.def('egress_upstream_hop_seconds')
  for (const { via, step, r } of steps) w.sample('egress_upstream_hop_seconds', lbl(['via', via], ['step', step]), r.seconds)
}

/** The families kinds declared, each kind's writer given the latest results of its own pairs. */
function * renderKinds (w: ExpositionWriter, entries: ReturnType<ResultStore['entries']>, config: Config, pair: (r: { target: string, via: string }) => string): Generator<string> {
  const targets = new Map(config.targets.map((t) => [t.name, t]))
  const byKind = new Map<string, KindPair<unknown>[]>()
  for (const e of entries) {
    const target = targets.get(e.target)
    const result = e.state.latest
    if (target === undefined || result === undefined || kindOf(target.kind).metrics === undefined) continue
    const pairs = byKind.get(target.kind) ?? []
    pairs.push({ target, via: e.via, settings: target.settings, result, labels: pair(e) })
    byKind.set(target.kind, pairs)
  }
  // Every kind with families of its own writes them, even without results (HELP and TYPE alone).
  for (const [name, kind] of allKinds()) {
    if (kind.metrics === undefined) continue
    kind.metrics(w, byKind.get(name) ?? [])
    yield w.drain()
  }
}

/**
 * The config's constant labels (`labels:`) put first into every sample line. Applied to the
 * rendered text, so every family has them whatever wrote it; nothing to do without labels.
 */
function * withConstantLabels (chunks: Generator<string>, labels: Record<string, string>): Generator<string> {
  if (Object.keys(labels).length === 0) { yield * chunks; return }
  const prefix = labelString(Object.entries(labels))
  for (const chunk of chunks) {
    yield chunk.replace(/^([a-zA-Z_:][a-zA-Z0-9_:]*)([{ ])/gm, (_m, name: string, next: string) => next === '{' ? `${name}{${prefix},` : `${name}{${prefix}} `)
  }
}
