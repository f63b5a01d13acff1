/**
 * Confirms proxy failures by re-probing, so one failed probe never takes a proxy "down" and a
 * dead proxy is seen within seconds (docs/decisions.md, "Proxy up and down"):
 * - when a pair through a proxy fails while the proxy counts as up (its first failure, or any
 *   failure that blames the proxy), the other pairs through that proxy are re-checked (a
 *   sweep); the sweep stops at the first success (the proxy works: the failure was the
 *   target's own);
 * - while every pair through a proxy fails, one of them is re-checked every `recheckMs`, round
 *   robin, so recovery shows within seconds instead of an interval; on recovery another sweep
 *   refreshes the other pairs.
 * Bounded by design, whatever the number of pairs: at most one sweep per proxy at a time, at
 * most `sweepConcurrency` of its re-checks in flight (a share of max_concurrent_probes), pairs
 * with a result newer than the sweep's start are passed over, and failure sweeps start at most
 * once per 2 × recheckMs.
 */
import { blamesProxy } from '../probes/reasons.js'
import type { ProbeJob, ProbeResult } from '../probes/types.js'
import type { Timers } from './timers.js'

export interface ProxyWatchOptions {
  /** The interval-scheduled jobs through a proxy. */
  jobsVia: (via: string) => ProbeJob[]
  /** Re-checks a job now; resolves with the pair's latest result once it ran. */
  recheck: (job: ProbeJob) => Promise<ProbeResult | undefined>
  /** When the pair's latest result started (wall clock ms), if it has one. */
  lastRunAt: (job: ProbeJob) => number | undefined
  /** Whether anything through the proxy succeeded in its latest run. */
  viaUp: (via: string) => boolean | undefined
  onChange: (via: string, up: boolean) => void
  timers: Timers
  /** Wall clock ms, comparable with lastRunAt. */
  wallClock: () => number
  recheckMs: number
  /** Re-checks of one sweep in flight at once. */
  sweepConcurrency: number
}

/** Decides when a proxy is down or back: every pair through it failing with a proxy reason, confirmed by re-checking its other targets. */
export class ProxyWatch {
  private readonly rechecks = new Map<string, { handle: unknown, next: number }>()
  private readonly lastUp = new Map<string, boolean>()
  private readonly sweptAt = new Map<string, number>()
  private readonly sweeping = new Set<string>()
  private stopped = false

  constructor (private readonly o: ProxyWatchOptions) {}

  /** Call after the store has recorded `result`; `wasSuccess` is the pair's previous outcome. */
  observe (result: ProbeResult, wasSuccess: boolean | undefined, isProxy: boolean): void {
    if (!isProxy || this.stopped) return
    const via = result.via
    // A failure while the proxy still counts as up is confirmed by probing its other pairs: on a
    // pair's first failure, and on every failure that blames the proxy (a target that keeps
    // failing for its own reasons does not sweep every interval).
    if (!result.success && this.lastUp.get(via) !== false && (wasSuccess !== false || blamesProxy(result.reason))) {
      const now = this.o.timers.now()
      if (now - (this.sweptAt.get(via) ?? -Infinity) >= 2 * this.o.recheckMs) {
        this.sweptAt.set(via, now)
        void this.sweep(via, result.target, true)
      }
    }
    const up = this.o.viaUp(via)
    if (up === undefined) return
    const was = this.lastUp.get(via)
    if (was !== up) {
      this.lastUp.set(via, up)
      this.o.onChange(via, up)
      if (up && was === false) void this.sweep(via, result.target, false)
    }
    if (up) this.stop(via)
    else if (!this.rechecks.has(via)) this.schedule(via, 0)
  }

  /** Re-checks the other pairs through `via`, a few at a time; a failure sweep ends at the first success. */
  private async sweep (via: string, except: string, untilSuccess: boolean): Promise<void> {
    if (this.sweeping.has(via)) return
    this.sweeping.add(via)
    const startedAt = this.o.wallClock()
    const queue = this.o.jobsVia(via).filter((j) => j.target.name !== except)
    let done = false
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job !== undefined && !done && !this.stopped; job = queue.shift()) {
        if ((this.o.lastRunAt(job) ?? -Infinity) >= startedAt) continue // already fresh
        const r = await this.o.recheck(job)
        if (untilSuccess && r?.success === true) done = true
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.max(1, this.o.sweepConcurrency) }, worker))
    } finally {
      this.sweeping.delete(via)
    }
  }

  stopAll (): void {
    this.stopped = true
    for (const via of [...this.rechecks.keys()]) this.stop(via)
  }

  private schedule (via: string, next: number): void {
    const handle = this.o.timers.setTimeout(() => {
      const jobs = this.o.jobsVia(via)
      const job = jobs[next % Math.max(1, jobs.length)]
      if (job === undefined || this.o.viaUp(via) !== false) { this.rechecks.delete(via); return }
      void this.o.recheck(job)
      this.schedule(via, next + 1)
    }, this.o.recheckMs)
    this.rechecks.set(via, { handle, next })
  }

  private stop (via: string): void {
    const r = this.rechecks.get(via)
    if (r !== undefined) this.o.timers.clearTimeout(r.handle)
    this.rechecks.delete(via)
  }
}
