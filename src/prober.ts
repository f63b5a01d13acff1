/**
 * The prober: jobs from the config, a scheduler running them, and the results store with the
 * metrics fed from it. Everything it needs is passed in, so each test builds a fresh one.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { setMaxListeners } from 'node:events'
import { BlockList } from 'node:net'
import type { Registry } from 'prom-client'
import type { Config } from './config/types.js'
import type { VlessLink } from './config/vless-link.js'
import type { Logger } from './log.js'
import { registerProberMetrics, type ProberMetrics } from './metrics/prober-metrics.js'
import { buildJobs, runProbe } from './probes/index.js'
import type { ProbeDeps, ProbeJob, ProbeResult } from './probes/types.js'
import { ProxyWatch } from './scheduler/proxy-watch.js'
import { jobKey } from './probes/pair-key.js'
import { blamesProber } from './probes/reasons.js'
import { probeUpstream } from './probes/hops.js'
import { Scheduler, type Cause } from './scheduler/scheduler.js'
import { realTimers, type Timers } from './scheduler/timers.js'
import { ResultStore } from './state/store.js'
import type { Lookup } from './transport/dial.js'
import { VERSION } from './version.js'

export interface ProberDeps {
  logger: Logger
  registry: Registry
  lookup?: Lookup
  timers?: Timers
}

/** What a job probes, as text: equal fingerprints mean a reload leaves the pair alone. */
/** Fingerprints, computed once per job object: a reload of 10,000 pairs compares only the new jobs'. */
const fingerprints = new WeakMap<ProbeJob, string>()

function jobFingerprint (job: ProbeJob): string {
  let fingerprint = fingerprints.get(job)
  if (fingerprint === undefined) {
    const { tls: _secureContext, ...rest } = job
    fingerprint = JSON.stringify(rest, (_key, value: unknown) =>
      value instanceof BlockList ? value.rules : value)
    fingerprints.set(job, fingerprint)
  }
  return fingerprint
}

/** The running prober: the current config and its jobs, the schedule, the result store and the metrics; reloads swap them at once. */
export class Prober {
  readonly store = new ResultStore()
  readonly metrics: ProberMetrics
  private readonly scheduler: Scheduler
  private readonly watch: ProxyWatch
  private started = false
  private readonly probeDeps: ProbeDeps
  private jobs: ProbeJob[]
  /** The jobs of the running config: a result of any other job (removed or replaced by a reload while in flight) is dropped. */
  private current: Set<ProbeJob>
  /** Aborts in-flight probes on a hard stop. */
  private readonly abort = new AbortController()
  /** Pairs whose latest run this machine could not carry out (local_resource), for `check`. */
  private readonly unmeasured = new Map<string, ProbeResult>()
  /** Probes not run for lack of local resources since the last one that ran. */
  private localStreak = 0
  /** Per pair: slots skipped in a row (logged once when the streak starts, once when it ends). */
  private readonly skips = new Map<string, number>()
  /** Proxies whose upstream hop probe is running now (one at a time each). */
  private readonly hopsRunning = new Set<string>()

  constructor (private config: Config, private readonly deps: ProberDeps) {
    const timers = deps.timers ?? realTimers
    this.jobs = buildJobs(config)
    this.current = new Set(this.jobs)
    // Every running probe listens here; they are at most max_concurrent_probes (plus /probe's).
    setMaxListeners(0, this.abort.signal)
    this.metrics = registerProberMetrics(deps.registry, this.store, () => this.config, VERSION)
    // prom-client's families (process, build info, reloads, xray) carry the constant labels too.
    deps.registry.setDefaultLabels(config.labels)
    this.probeDeps = {
      lookup: deps.lookup ?? ((host) => dnsLookup(host, { all: true })),
      now: () => performance.now(),
      wallClock: () => Date.now(),
      userAgent: `egress-prober/${VERSION}`,
    }
    this.scheduler = new Scheduler({
      run: async (job, plannedAt, cause) => {
        if (cause === 'schedule') this.metrics.startDelay(timers.now() - plannedAt)
        this.skipsEnded(job)
        await this.probe(job, cause)
      },
      onSkip: (job) => {
        this.metrics.skipped(job.target.name, job.via)
        // The first skipped slot of a streak is logged, the count when it ends: 500 pairs
        // skipping every second once wrote 500 lines a second.
        const key = jobKey(job)
        const streak = this.skips.get(key) ?? 0
        this.skips.set(key, streak + 1)
        if (streak === 0) deps.logger.warn({ target: job.target.name, via: job.via }, 'probe slot skipped: previous run still going')
      },
      maxConcurrent: config.maxConcurrentProbes,
      jitterMs: config.jitterMs,
      timers,
      onError: (job, err) => {
        deps.logger.warn({ target: job.target.name, via: job.via, error: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : String(err).slice(0, 200) }, 'a scheduled run failed (a bug: please report it)')
      },
    })
    this.watch = new ProxyWatch({
      jobsVia: (via) => this.jobs.filter((j) => j.via === via && j.target.schedule === undefined),
      recheck: async (job) => {
        await this.scheduler.recheck(job)
        return this.store.get(job.target.name, job.via)?.latest
      },
      lastRunAt: (job) => this.store.get(job.target.name, job.via)?.latest?.startedAt,
      wallClock: this.probeDeps.wallClock,
      sweepConcurrency: Math.max(1, Math.floor(config.maxConcurrentProbes / 8)),
      viaUp: (via) => this.store.viaUp(via),
      onChange: (via, up) => {
        if (up) deps.logger.info({ via }, 'proxy up: a probe through it succeeded')
        else deps.logger.warn({ via }, 'proxy down: every probe through it failed; re-checking')
      },
      timers,
      recheckMs: config.recheckMs,
    })
  }

  get currentConfig (): Config { return this.config }

  /** Starts the schedule. */
  start (): void {
    this.started = true
    this.scheduler.add(this.jobs)
  }

  /** Runs one probe now, records and logs its result (unless a reload removed the pair meanwhile). */
  async probe (job: ProbeJob, cause: Cause = 'schedule'): Promise<ProbeResult> {
    const result = await runProbe(job, this.probeDeps, this.abort.signal)
    // A removed pair's result, or one cut short by the stop (it measured nothing): not recorded.
    if (!this.current.has(job) || this.abort.signal.aborted) return result
    if (blamesProber(result.reason)) { this.notMeasured(job, result); return result }
    this.unmeasured.delete(jobKey(job))
    if (this.localStreak > 0) {
      this.deps.logger.info({ skipped: this.localStreak }, 'local resources back: probes run again')
      this.localStreak = 0
    }
    const previous = this.store.get(job.target.name, job.via)?.latest
    const wasSuccess = previous?.success
    this.store.add(result)
    this.hopsDue(job)
    this.metrics.record(result, cause)
    if (this.started && this.config.recheckMs > 0) this.watch.observe(result, wasSuccess, job.proxy !== undefined)
    // Logged on change only (a new failure reason, a recovery): a pair failing every interval,
    // or a proxy re-checked every 2 s, does not fill the log.
    if (!result.success && (previous?.success !== false || previous.reason !== result.reason)) {
      this.deps.logger.warn({ target: result.target, via: result.via, reason: result.reason, detail: result.message }, 'probe failed')
    } else if (result.success && previous?.success === false) {
      this.deps.logger.info({ target: result.target, via: result.via }, 'probe recovered')
    }
    return result
  }

  /**
   * The hop probes of a proxy's upstream run on its pairs' schedule: after a pair through it ran,
   * when the last hop probe is older than that pair's interval (one at a time per proxy).
   */
  private hopsDue (job: ProbeJob): void {
    const upstream = job.proxy?.upstream
    if (upstream === undefined || this.hopsRunning.has(job.via)) return
    const last = this.store.hops(job.via)
    if (last !== undefined && this.probeDeps.wallClock() - last.at < job.target.intervalMs * 0.9) return
    void this.runHops(job.via, upstream, job.target.timeoutMs)
  }

  private async runHops (via: string, upstream: VlessLink, timeoutMs: number): Promise<void> {
    this.hopsRunning.add(via)
    try {
      const result = await probeUpstream(upstream, this.probeDeps, timeoutMs, this.abort.signal)
      if (this.config.proxies[via]?.upstream !== undefined && !this.abort.signal.aborted) this.store.setHops(via, result)
    } finally {
      this.hopsRunning.delete(via)
    }
  }

  /** A pair runs again: if it skipped slots, say how many, once. */
  private skipsEnded (job: ProbeJob): void {
    const key = jobKey(job)
    const skipped = this.skips.get(key)
    if (skipped === undefined) return
    this.skips.delete(key)
    if (skipped > 1) this.deps.logger.info({ target: job.target.name, via: job.via, skipped }, 'probe slots skipped while the previous run went on')
  }

  /**
   * A probe this machine could not run (out of file descriptors, ports): not a measurement of
   * the path, so the pair's state, its counters and the proxy watch stay as they were. Counted,
   * and logged once per streak (a thousand probes failing alike must not flood the log).
   */
  private notMeasured (job: ProbeJob, result: ProbeResult): void {
    this.unmeasured.set(jobKey(job), result)
    this.metrics.localError()
    if (this.localStreak++ === 0) this.deps.logger.error({ target: result.target, via: result.via, detail: result.message }, 'probe not run: this machine is out of a local resource')
  }

  /**
   * Runs one probe without recording it (for /probe): `timeoutMs` may shorten the deadline. It
   * takes a slot under max_concurrent_probes like any probe; when more than that many probes
   * already wait it throws a LimiterError ('full') at once, and after stop ('closed').
   */
  async probeDetached (job: ProbeJob, timeoutMs: number): Promise<ProbeResult> {
    const target = { ...job.target, timeoutMs: Math.min(timeoutMs, job.target.timeoutMs) }
    return await this.scheduler.limiter.run(() => runProbe({ ...job, target }, this.probeDeps, this.abort.signal),
      { maxQueue: this.config.maxConcurrentProbes })
  }

  /** Runs every job once (for `egress-prober check`). */
  async runOnce (): Promise<ProbeResult[]> {
    const hops = Object.values(this.config.proxies).flatMap((p) => p.upstream === undefined ? [] : [this.runHops(p.name, p.upstream, Math.max(...this.jobs.filter((j) => j.via === p.name).map((j) => j.target.timeoutMs), 2000))])
    await Promise.all([this.scheduler.runOnce(this.jobs), ...hops])
    return this.jobs.map((j) => this.unmeasured.get(jobKey(j)) ?? this.store.get(j.target.name, j.via)?.latest).filter((r): r is ProbeResult => r !== undefined)
  }

  /** Finds the job of a configured target and via. */
  job (target: string, via: string): ProbeJob | undefined {
    return this.jobs.find((j) => j.target.name === target && j.via === via)
  }

  /** Stops scheduling; waits for in-flight probes up to `graceMs`, then aborts them. */
  async stop (graceMs: number): Promise<void> {
    this.started = false
    this.watch.stopAll()
    await this.scheduler.stop(graceMs)
    this.abort.abort(new Error('prober stopped'))
  }

  /** Swaps in a new config: unchanged pairs keep their schedule, removed ones lose their series. */
  reload (config: Config): { kept: number, changed: number, added: number, removed: number } {
    const next = buildJobs(config)
    const nextKeys = new Set(next.map(jobKey))
    const before = new Map(this.jobs.map((j) => [jobKey(j), jobFingerprint(j)]))
    const removed = this.jobs.filter((j) => !nextKeys.has(jobKey(j)))
    const changed = next.filter((j) => { const was = before.get(jobKey(j)); return was !== undefined && was !== jobFingerprint(j) })
    this.scheduler.remove([...removed, ...changed].map(jobKey))
    for (const j of removed) this.metrics.forget(j.target.name, j.via)
    this.store.retain(nextKeys)
    for (const key of this.unmeasured.keys()) if (!nextKeys.has(key)) this.unmeasured.delete(key)
    for (const key of this.skips.keys()) if (!nextKeys.has(key)) this.skips.delete(key)
    this.config = config
    this.deps.registry.setDefaultLabels(config.labels)
    // Unchanged pairs keep their job objects, hence their schedule; the rest start afresh.
    const kept = new Map(this.jobs.map((j) => [jobKey(j), j]))
    const changedSet = new Set(changed)
    this.jobs = next.map((j) => changedSet.has(j) ? j : kept.get(jobKey(j)) ?? j)
    this.current = new Set(this.jobs)
    if (this.started) this.scheduler.add(this.jobs)
    const added = next.filter((j) => !before.has(jobKey(j))).length
    return { kept: next.length - added - changed.length, changed: changed.length, added, removed: removed.length }
  }
}
