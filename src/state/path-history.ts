/**
 * Per path (via): since when every pair through it fails, and the share of successful probes
 * over the last hour and day, in one-minute buckets (1,440 per path, so memory stays bounded by
 * the number of paths). Kept in memory only: a restart starts the count again (the status page
 * says so).
 */
const MINUTE_MS = 60_000
const BUCKETS = 24 * 60

interface PathBuckets { minute: Int32Array, ok: Uint32Array, total: Uint32Array }

export class PathHistory {
  private readonly buckets = new Map<string, PathBuckets>()
  private readonly downSince = new Map<string, number>()

  /** One probe result through `via` at `at` (ms since the epoch); `pathUp` is the path's state after it. */
  record (via: string, at: number, success: boolean, pathUp: boolean | undefined): void {
    if (pathUp === false) { if (!this.downSince.has(via)) this.downSince.set(via, at) } else this.downSince.delete(via)
    let b = this.buckets.get(via)
    if (b === undefined) {
      b = { minute: new Int32Array(BUCKETS).fill(-1), ok: new Uint32Array(BUCKETS), total: new Uint32Array(BUCKETS) }
      this.buckets.set(via, b)
    }
    const minute = Math.floor(at / MINUTE_MS)
    const i = ((minute % BUCKETS) + BUCKETS) % BUCKETS
    if (b.minute[i] !== minute) { b.minute[i] = minute; b.ok[i] = 0; b.total[i] = 0 }
    b.total[i]!++
    if (success) b.ok[i]!++
  }

  /** When the path went down (every pair through it failing), if it is down. */
  since (via: string): number | undefined {
    return this.downSince.get(via)
  }

  /** Successful probes ÷ probes through `via` over the last `minutes` (≤ 1,440) before `now`; undefined without probes. */
  uptime (via: string, now: number, minutes: number): number | undefined {
    const b = this.buckets.get(via)
    if (b === undefined) return undefined
    const last = Math.floor(now / MINUTE_MS)
    let ok = 0
    let total = 0
    for (let i = 0; i < BUCKETS; i++) {
      const m = b.minute[i]!
      if (m > last - Math.min(minutes, BUCKETS) && m <= last) { ok += b.ok[i]!; total += b.total[i]! }
    }
    return total === 0 ? undefined : ok / total
  }

  /** Forgets paths no longer configured. */
  retain (vias: Set<string>): void {
    for (const via of [...this.buckets.keys(), ...this.downSince.keys()]) {
      if (!vias.has(via)) { this.buckets.delete(via); this.downSince.delete(via) }
    }
  }
}
