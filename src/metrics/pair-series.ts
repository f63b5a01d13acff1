/**
 * Counters of every (target, via) pair and the duration histograms, kept as plain numbers with
 * label strings formatted once. Rendered by prober-metrics.ts. The histogram is per via by
 * default (13 series per path instead of 13 per pair); `metrics.per_target_histogram` keeps one
 * per pair.
 */
import type { ProbeResult } from '../probes/types.js'
import { pairKey } from '../probes/pair-key.js'
import { labelString } from './exposition.js'

export interface PairSeries {
  labels: string
  /** Probes by result (`success` or a failure reason). */
  results: Map<string, number>
  skipped: number
}

export interface HistogramSeries {
  labels: string
  via: string
  /** Cumulative counts per bucket of DURATION_BUCKETS, then +Inf. */
  buckets: number[]
  sum: number
  count: number
}

export class PairSeriesTable {
  private readonly pairs = new Map<string, PairSeries>()
  /** Re-checks by via, then by label string `via="x",result="y"` → count. */
  private readonly rechecksByVia = new Map<string, Map<string, number>>()

  /** By via, or by pair with perTarget. */
  private readonly histogramsByKey = new Map<string, HistogramSeries>()

  constructor (private readonly bounds: number[], private readonly perTarget: boolean) {}

  record (r: ProbeResult): void {
    const p = this.pair(r.target, r.via)
    const result = r.reason ?? 'success'
    p.results.set(result, (p.results.get(result) ?? 0) + 1)
    if (!r.success) return
    const h = this.histogram(r.target, r.via)
    for (let i = 0; i < this.bounds.length; i++) if (r.durationSeconds <= this.bounds[i]!) h.buckets[i]!++
    h.buckets[this.bounds.length]!++
    h.sum += r.durationSeconds
    h.count++
  }

  /** The histograms of configured vias; those of any other via (removed by a reload) are dropped. */
  histograms (vias: Set<string>): HistogramSeries[] {
    for (const [key, h] of this.histogramsByKey) if (!vias.has(h.via)) this.histogramsByKey.delete(key)
    return [...this.histogramsByKey.values()]
  }

  private histogram (target: string, via: string): HistogramSeries {
    const key = this.perTarget ? pairKey(target, via) : via
    let h = this.histogramsByKey.get(key)
    if (h === undefined) {
      const labels = labelString(this.perTarget ? [['target', target], ['via', via]] : [['via', via]])
      h = { labels, via, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }
      this.histogramsByKey.set(key, h)
    }
    return h
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
    if (this.perTarget) this.histogramsByKey.delete(pairKey(target, via))
  }

  values (): IterableIterator<PairSeries> {
    return this.pairs.values()
  }

  private pair (target: string, via: string): PairSeries {
    const key = pairKey(target, via)
    let p = this.pairs.get(key)
    if (p === undefined) {
      p = { labels: labelString([['target', target], ['via', via]]), results: new Map(), skipped: 0 }
      this.pairs.set(key, p)
    }
    return p
  }
}
