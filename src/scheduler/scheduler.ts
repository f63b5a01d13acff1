/**
 * Runs every (target, via) pair on its own fixed-rate loop. First runs are spread evenly over
 * the interval (no burst at start); a pair whose previous run is still going (or waiting for a
 * concurrency slot) skips the slot and counts it; targets with `schedule:` run by cron.
 */
import { schedule as cronSchedule } from 'node-cron'
import type { ProbeJob } from '../probes/types.js'
import { every } from './every.js'
import { Limiter } from './limiter.js'
import { realTimers, type Timers } from './timers.js'

export interface SchedulerOptions {
  run: (job: ProbeJob, plannedAt: number) => Promise<void>
  onSkip: (job: ProbeJob) => void
  maxConcurrent: number
  jitterMs?: number
  timers?: Timers
  random?: () => number
  /** Starts a cron task; returns its stop function. Injected for tests. */
  cron?: (expression: string, fn: () => void) => () => void
}

const nodeCron = (expression: string, fn: () => void): () => void => {
  const task = cronSchedule(expression, fn)
  return () => { void task.stop() }
}

export const jobKey = (job: ProbeJob): string => `${job.target.name}\u0000${job.via}`

export class Scheduler {
  private readonly stops = new Map<string, () => void>()
  /** One cron task per expression, shared by its jobs (node-cron wakes every task each second). */
  private readonly cronGroups = new Map<string, { jobs: Map<string, ProbeJob>, stop: () => void }>()
  private readonly running = new Map<string, Promise<void>>()
  private readonly limiter: Limiter
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
      this.stops.set(jobKey(job), every(this.timers, job.target.intervalMs, offset, (planned) => this.slot(job, planned)))
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

  /** Stops all scheduling; resolves when in-flight runs end or after `graceMs`. */
  async stop (graceMs: number): Promise<void> {
    this.remove([...this.stops.keys()])
    let timer: unknown
    const grace = new Promise<void>((resolve) => { timer = this.timers.setTimeout(resolve, graceMs) })
    await Promise.race([Promise.allSettled([...this.running.values()]), grace])
    this.timers.clearTimeout(timer)
  }

  /** Runs the jobs once each, under the concurrency cap (for `egress-prober check`). */
  async runOnce (jobs: ProbeJob[]): Promise<void> {
    await Promise.all(jobs.map((job) => this.limiter.run(() => this.opts.run(job, this.timers.now()))))
  }

  private addCron (expression: string, job: ProbeJob): () => void {
    let group = this.cronGroups.get(expression)
    if (group === undefined) {
      const jobs = new Map<string, ProbeJob>()
      const stop = (this.opts.cron ?? nodeCron)(expression, () => { for (const j of jobs.values()) this.slot(j, this.timers.now()) })
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

  /** Runs a job now, outside its schedule, unless it is already running (then nothing happens). */
  trigger (job: ProbeJob): void {
    if (!this.running.has(jobKey(job))) this.slot(job, this.timers.now())
  }

  private slot (job: ProbeJob, plannedAt: number): void {
    const key = jobKey(job)
    if (this.running.has(key)) { this.opts.onSkip(job); return }
    const jitter = Math.floor((this.opts.random ?? Math.random)() * (this.opts.jitterMs ?? 0))
    const run = (async () => {
      if (jitter > 0) await new Promise<void>((resolve) => this.timers.setTimeout(resolve, jitter))
      await this.limiter.run(() => this.opts.run(job, plannedAt + jitter))
    })().catch(() => {}).finally(() => this.running.delete(key))
    this.running.set(key, run)
  }
}
