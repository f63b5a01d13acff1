import type { Timers } from '../../src/scheduler/timers.js'

/** Timers driven by hand: `advance(ms)` fires due callbacks in time order, letting promises settle. */
export class FakeTimers implements Timers {
  private t = 0
  private seq = 0
  private readonly queue = new Map<number, { at: number, fn: () => void }>()

  now = (): number => this.t
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq
    this.queue.set(id, { at: this.t + Math.max(0, ms), fn })
    return id
  }

  clearTimeout = (h: unknown): void => { this.queue.delete(h as number) }

  async advance (ms: number): Promise<void> {
    const end = this.t + ms
    for (let guard = 0; guard < 100_000; guard++) {
      await flush()
      const next = [...this.queue].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0]
      if (next === undefined) break
      this.queue.delete(next[0])
      this.t = next[1].at
      next[1].fn()
    }
    this.t = end
    await flush()
  }
}

async function flush (): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}
