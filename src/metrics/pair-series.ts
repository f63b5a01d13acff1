/**
 * Counters and the duration histogram of every (target, via) pair, kept as plain numbers with
 * the pair's label string formatted once. Rendered by prober-metrics.ts.
 */
import type { ProbeResult } from '../probes/types.js'
import { pairKey } from '../state/store.js'
import { labelString } from './exposition.js'

export interface PairSeries {
  labels: string
  /** Probes by result (`success` or a failure reason). */
  results: Map<string, number>
  skipped: number
  /** Cumulative counts per bucket of DURATION_BUCKETS, then +Inf. */
  buckets: number[]
  sum: number
  count: number
}

export class PairSeriesTable {
  private readonly pairs = new Map<string, PairSeries>()
  /** Re-checks by via, then by label string `via="x",result="y"` → count. */
  private readonly rechecksByVia = new Map<string, Map<string, number>>()

  constructor (private readonly bounds: number[]) {}

  record (r: ProbeResult): void {
    const p = this.pair(r.target, r.via)
    const result = r.reason ?? 'success'
    p.results.set(result, (p.results.get(result) ?? 0) + 1)
    if (!r.success) return
    for (let i = 0; i < this.bounds.length; i++) if (r.durationSeconds <= this.bounds[i]!) p.buckets[i]!++
    p.buckets[this.bounds.length]!++
    p.sum += r.durationSeconds
    p.count++
  }

  recheck (r: ProbeResult): void {
    let counts = this.rechecksByVia.get(r.via)
    if (counts === undefined) { counts = new Map(); this.rechecksByVia.set(r.via, counts) }
    const labels = labelString([['via', r.via], ['result', r.reason ?? 'success']])
    counts.set(labels, (counts.get(labels) ?? 0) + 1)
  }

  /** Re-check counts of the given vias; those of any other via (removed by a reload) are dropped. */
  rechecks (vias: Set<string>): [string, number][] {
    for (const via of this.rechecksByVia.keys()) if (!vias.has(via)) this.rechecksByVia.delete(via)
    return [...this.rechecksByVia.values()].flatMap((m) => [...m])
  }

  skip (target: string, via: string): void {
    this.pair(target, via).skipped++
  }

  forget (target: string, via: string): void {
    this.pairs.delete(pairKey(target, via))
  }

  values (): IterableIterator<PairSeries> {
    return this.pairs.values()
  }

  private pair (target: string, via: string): PairSeries {
    const key = pairKey(target, via)
    let p = this.pairs.get(key)
    if (p === undefined) {
      p = { labels: labelString([['target', target], ['via', via]]), results: new Map(), skipped: 0, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }
      this.pairs.set(key, p)
    }
    return p
  }
}
