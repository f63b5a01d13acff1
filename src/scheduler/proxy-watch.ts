/**
 * Confirms proxy failures by re-probing, so one failed probe never takes a proxy "down" and a
 * dead proxy is seen within seconds (docs/decisions.md, "Proxy up and down"):
 * - when a pair through a proxy fails while the proxy counts as up (its first failure, or any
 *   failure that blames the proxy), every other pair through that proxy is probed at once (a
 *   sweep; a target's own trouble leaves the others green);
 * - while every pair through a proxy fails, one of them is re-probed every `recheckMs`, round
 *   robin, so recovery shows within seconds instead of an interval; on recovery another sweep
 *   refreshes the other pairs.
 * Failure sweeps happen at most once per `2 × recheckMs`, so a thousand pairs failing together
 * cause one sweep, not a storm; a recovery sweeps once per down → up change.
 */
import type { ProbeJob, ProbeResult } from '../probes/types.js'
import type { FailureReason } from '../probes/reasons.js'
import type { Timers } from './timers.js'

const PROXY_REASONS = new Set<FailureReason>(['proxy_refused', 'proxy_timeout', 'proxy_rejected', 'proxy_auth', 'tunnel_broken'])

export interface ProxyWatchOptions {
  /** The interval-scheduled jobs through a proxy. */
  jobsVia: (via: string) => ProbeJob[]
  /** Runs a job now unless it is running. */
  trigger: (job: ProbeJob) => void
  /** Whether anything through the proxy succeeded in its latest run. */
  viaUp: (via: string) => boolean | undefined
  onChange: (via: string, up: boolean) => void
  timers: Timers
  recheckMs: number
}

export class ProxyWatch {
  private readonly rechecks = new Map<string, { handle: unknown, next: number }>()
  private readonly lastUp = new Map<string, boolean>()
  private readonly sweptAt = new Map<string, number>()

  constructor (private readonly o: ProxyWatchOptions) {}

  /** Call after the store has recorded `result`; `wasSuccess` is the pair's previous outcome. */
  observe (result: ProbeResult, wasSuccess: boolean | undefined, isProxy: boolean): void {
    if (!isProxy) return
    const via = result.via
    // A failure while the proxy still counts as up is confirmed by probing its other pairs: on a
    // pair's first failure, and on every failure that blames the proxy (a target that keeps
    // failing for its own reasons does not sweep every interval).
    if (!result.success && this.lastUp.get(via) !== false && (wasSuccess !== false || PROXY_REASONS.has(result.reason ?? 'unknown'))) {
      this.sweep(via, result.target)
    }
    const up = this.o.viaUp(via)
    if (up === undefined) return
    const was = this.lastUp.get(via)
    if (was !== up) {
      this.lastUp.set(via, up)
      this.o.onChange(via, up)
      if (up && was === false) this.sweep(via, result.target, true)
    }
    if (up) this.stop(via)
    else if (!this.rechecks.has(via)) this.schedule(via, 0)
  }

  /** Probes every other pair through `via` now; failure sweeps at most once per 2 × recheckMs. */
  private sweep (via: string, except: string, recovery = false): void {
    const now = this.o.timers.now()
    if (!recovery) {
      if (now - (this.sweptAt.get(via) ?? -Infinity) < 2 * this.o.recheckMs) return
      this.sweptAt.set(via, now)
    }
    for (const job of this.o.jobsVia(via)) if (job.target.name !== except) this.o.trigger(job)
  }

  stopAll (): void {
    for (const via of [...this.rechecks.keys()]) this.stop(via)
  }

  private schedule (via: string, next: number): void {
    const handle = this.o.timers.setTimeout(() => {
      const jobs = this.o.jobsVia(via)
      const job = jobs[next % Math.max(1, jobs.length)]
      if (job === undefined || this.o.viaUp(via) !== false) { this.rechecks.delete(via); return }
      this.o.trigger(job)
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
