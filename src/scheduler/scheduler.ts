/**
 * Runs every (target, via) pair on its own fixed-rate loop. First runs are spread evenly over
 * the interval (no burst at start); a pair whose previous scheduled run is still going (or
 * waiting for a concurrency slot) skips the slot and counts it; targets with `schedule:` run by
 * cron. Re-checks (`recheck`) run between slots; a slot that finds one running is merged into
 * it, not counted as skipped.
 */
import { schedule as cronSchedule } from 'node-cron'
import { jobKey } from '../probes/pair-key.js'
import type { ProbeJob } from '../probes/types.js'
import { every } from './every.js'
import { Limiter, LimiterError } from './limiter.js'
import { realTimers, type Timers } from './timers.js'

/** Why a probe runs: its schedule, or a re-check asked for by the proxy watch. */
export type Cause = 'schedule' | 'recheck'

export interface SchedulerOptions {
  run: (job: ProbeJob, plannedAt: number, cause: Cause) => Promise<void>
  onSkip: (job: ProbeJob) => void
  maxConcurrent: number
  jitterMs?: number
  timers?: Timers
  random?: () => number
  /** Starts a cron task; returns its stop function. Injected for tests. */
  cron?: (expression: string, fn: () => void) => () => void
  /** A run that threw (probes never do; this is a bug to see, not to swallow). */
  onError?: (job: ProbeJob, err: unknown) => void
}

const nodeCron = (expression: string, fn: () => void): () => void => {
  const task = cronSchedule(expression, fn)
  return () => { void task.stop() }
}

/** Runs each pair at its interval (or cron schedule) under the concurrency cap, skipping a slot while the pair's previous probe still runs. */
export class Scheduler {
  private readonly stops = new Map<string, () => void>()
  /** One cron task per expression, shared by its jobs (node-cron wakes every task each second). */
  private readonly cronGroups = new Map<string, { jobs: Map<string, ProbeJob>, stop: () => void }>()
  private readonly running = new Map<string, { done: Promise<void>, cause: Cause }>()
  readonly limiter: Limiter
  private readonly timers: Timers

  constructor (private readonly opts: SchedulerOptions) {
    this.limiter = new Limiter(opts.maxConcurrent)
    this.timers = opts.timers ?? realTimers
  }

  /** Schedules jobs not yet scheduled; first runs of interval jobs spread over each interval. */
  add (jobs: ProbeJob[]): void {
    const fresh = jobs.filter((j) => !this.stops.has(jobKey(j)))
    const periodic = fresh.filter((j) => j.target.schedule === undefined)
    periodic.forEach((job, i) => {
      const offset = Math.floor((job.target.intervalMs * i) / periodic.length)
      this.stops.set(jobKey(job), every(this.timers, job.target.intervalMs, offset, (planned) => { void this.slot(job, planned) }))
    })
    for (const job of fresh) {
      const expression = job.target.schedule
      if (expression === undefined) continue
      this.stops.set(jobKey(job), this.addCron(expression, job))
    }
  }

  /** Stops scheduling the given jobs (an in-flight run ends on its own). */
  remove (keys: Iterable<string>): void {
    for (const key of keys) { this.stops.get(key)?.(); this.stops.delete(key) }
  }

  /**
   * Stops all scheduling and drops runs still waiting for a slot (they never start); resolves
   * when the runs in flight end or after `graceMs`.
   */
  async stop (graceMs: number): Promise<void> {
    this.remove([...this.stops.keys()])
    this.limiter.close()
    let timer: unknown
    const grace = new Promise<void>((resolve) => { timer = this.timers.setTimeout(resolve, graceMs) })
    await Promise.race([Promise.allSettled([...this.running.values()].map((r) => r.done)), grace])
    this.timers.clearTimeout(timer)
  }

  /** Runs the jobs once each, under the concurrency cap (for `egress-prober check`). */
  async runOnce (jobs: ProbeJob[]): Promise<void> {
    await Promise.all(jobs.map((job) => this.limiter.run(() => this.opts.run(job, this.timers.now(), 'schedule'))))
  }

  private addCron (expression: string, job: ProbeJob): () => void {
    let group = this.cronGroups.get(expression)
    if (group === undefined) {
      const jobs = new Map<string, ProbeJob>()
      const stop = (this.opts.cron ?? nodeCron)(expression, () => { for (const j of jobs.values()) void this.slot(j, this.timers.now()) })
      group = { jobs, stop }
      this.cronGroups.set(expression, group)
    }
    const key = jobKey(job)
    group.jobs.set(key, job)
    return () => {
      group.jobs.delete(key)
      if (group.jobs.size === 0) { group.stop(); this.cronGroups.delete(expression) }
    }
  }

  /** Re-checks a job now, outside its schedule; resolves when it ran, or at once if it is running. */
  async recheck (job: ProbeJob): Promise<void> {
    await (this.running.get(jobKey(job))?.done ?? this.slot(job, this.timers.now(), 'recheck'))
  }

  private slot (job: ProbeJob, plannedAt: number, cause: Cause = 'schedule'): Promise<void> {
    const key = jobKey(job)
    const busy = this.running.get(key)
    if (busy !== undefined) {
      // A re-check just refreshed the pair: the slot is merged into it, not skipped.
      if (busy.cause === 'schedule') this.opts.onSkip(job)
      return busy.done
    }
    const jitter = cause === 'schedule' ? Math.floor((this.opts.random ?? Math.random)() * (this.opts.jitterMs ?? 0)) : 0
    const done = (async () => {
      if (jitter > 0) await new Promise<void>((resolve) => this.timers.setTimeout(resolve, jitter))
      await this.limiter.run(() => this.opts.run(job, plannedAt + jitter, cause))
    })().catch((err: unknown) => {
      // A slot still waiting when the scheduler stops is dropped on purpose: nothing to report.
      if (!(err instanceof LimiterError && err.kind === 'closed')) this.opts.onError?.(job, err)
    }).finally(() => this.running.delete(key))
    this.running.set(key, { done, cause })
    return done
  }
}
