/**
 * The prober: jobs from the config, a scheduler running them, and the results store with the
 * metrics fed from it. Everything it needs is passed in, so each test builds a fresh one.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList } from 'node:net'
import type { Registry } from 'prom-client'
import type { Config } from './config/types.js'
import type { Logger } from './log.js'
import { registerProberMetrics, type ProberMetrics } from './metrics/prober-metrics.js'
import { buildJobs, runProbe } from './probes/index.js'
import type { ProbeDeps, ProbeJob, ProbeResult } from './probes/types.js'
import { ProxyWatch } from './scheduler/proxy-watch.js'
import { jobKey, Scheduler } from './scheduler/scheduler.js'
import { realTimers, type Timers } from './scheduler/timers.js'
import { ResultStore } from './state/store.js'
import type { Lookup } from './transport/connector.js'
import { VERSION } from './version.js'

export interface ProberDeps {
  logger: Logger
  registry: Registry
  lookup?: Lookup
  timers?: Timers
}

/** What a job probes, as text: equal fingerprints mean a reload leaves the pair alone. */
function jobFingerprint (job: ProbeJob): string {
  const { tls: _secureContext, ...rest } = job
  return JSON.stringify(rest, (_key, value: unknown) =>
    value instanceof RegExp ? String(value) : value instanceof BlockList ? value.rules : value)
}

export class Prober {
  readonly store = new ResultStore()
  readonly metrics: ProberMetrics
  private readonly scheduler: Scheduler
  private readonly watch: ProxyWatch
  private started = false
  private readonly probeDeps: ProbeDeps
  private jobs: ProbeJob[]
  /** Aborts in-flight probes on a hard stop. */
  private readonly abort = new AbortController()

  constructor (private config: Config, private readonly deps: ProberDeps) {
    const timers = deps.timers ?? realTimers
    this.jobs = buildJobs(config)
    this.metrics = registerProberMetrics(deps.registry, this.store, () => this.config, VERSION)
    this.probeDeps = {
      lookup: deps.lookup ?? ((host) => dnsLookup(host)),
      now: () => performance.now(),
      wallClock: () => Date.now(),
      userAgent: `egress-prober/${VERSION}`,
    }
    this.scheduler = new Scheduler({
      run: async (job, plannedAt) => {
        this.metrics.startDelay(timers.now() - plannedAt)
        await this.probe(job)
      },
      onSkip: (job) => {
        this.metrics.skipped(job.target.name, job.via)
        deps.logger.warn({ target: job.target.name, via: job.via }, 'probe slot skipped: previous run still going')
      },
      maxConcurrent: config.maxConcurrentProbes,
      jitterMs: config.jitterMs,
      timers,
    })
    this.watch = new ProxyWatch({
      jobsVia: (via) => this.jobs.filter((j) => j.via === via && j.target.schedule === undefined),
      trigger: (job) => { this.scheduler.trigger(job) },
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

  /** Runs one probe now, records and logs its result. */
  async probe (job: ProbeJob): Promise<ProbeResult> {
    const result = await runProbe(job, this.probeDeps, this.abort.signal)
    const wasSuccess = this.store.get(job.target.name, job.via)?.latest?.success
    this.store.add(result)
    this.metrics.record(result)
    if (this.started && this.config.recheckMs > 0) this.watch.observe(result, wasSuccess, job.proxy !== undefined)
    if (!result.success) {
      this.deps.logger.warn({ target: result.target, via: result.via, reason: result.reason, detail: result.message }, 'probe failed')
    }
    return result
  }

  /** Runs one probe without recording it (for /probe): `timeoutMs` may shorten the deadline. */
  async probeDetached (job: ProbeJob, timeoutMs: number): Promise<ProbeResult> {
    const target = { ...job.target, timeoutMs: Math.min(timeoutMs, job.target.timeoutMs) }
    return await runProbe({ ...job, target }, this.probeDeps, this.abort.signal)
  }

  /** Runs every job once (for `egress-prober check`). */
  async runOnce (): Promise<ProbeResult[]> {
    await this.scheduler.runOnce(this.jobs)
    return this.jobs.map((j) => this.store.get(j.target.name, j.via)?.latest).filter((r): r is ProbeResult => r !== undefined)
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
    const changed = next.filter((j) => before.has(jobKey(j)) && before.get(jobKey(j)) !== jobFingerprint(j))
    this.scheduler.remove([...removed, ...changed].map(jobKey))
    for (const j of removed) this.metrics.forget(j.target.name, j.via)
    this.store.retain(nextKeys)
    this.config = config
    // Unchanged pairs keep their job objects, hence their schedule; the rest start afresh.
    const kept = new Map(this.jobs.map((j) => [jobKey(j), j]))
    this.jobs = next.map((j) => changed.includes(j) ? j : kept.get(jobKey(j)) ?? j)
    if (this.started) this.scheduler.add(this.jobs)
    const added = next.filter((j) => !before.has(jobKey(j))).length
    return { kept: next.length - added - changed.length, changed: changed.length, added, removed: removed.length }
  }
}
