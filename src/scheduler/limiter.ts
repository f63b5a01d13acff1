/**
 * A counting semaphore with a bounded wait: at most `max` tasks run at once, the rest wait in
 * arrival order. A caller may refuse to wait behind more than `maxQueue` others (/probe does);
 * `close()` drops every waiting task (shutdown: nothing new starts).
 */
export class LimiterError extends Error {
  constructor (readonly kind: 'full' | 'closed') {
    super(kind === 'full' ? 'too many probes waiting' : 'shutting down')
    this.name = 'LimiterError'
  }
}

export class Limiter {
  private active = 0
  private closed = false
  private readonly waiting: { go: () => void, drop: (err: Error) => void }[] = []

  constructor (private readonly max: number) {}

  get queued (): number { return this.waiting.length }

  async run<T> (task: () => Promise<T>, opts: { maxQueue?: number } = {}): Promise<T> {
    if (this.closed) throw new LimiterError('closed')
    if (this.active >= this.max) {
      if (this.waiting.length >= (opts.maxQueue ?? Infinity)) throw new LimiterError('full')
      await new Promise<void>((resolve, reject) => this.waiting.push({ go: resolve, drop: reject }))
    }
    this.active++
    try {
      return await task()
    } finally {
      this.active--
      this.waiting.shift()?.go()
    }
  }

  close (): void {
    this.closed = true
    for (const w of this.waiting.splice(0)) w.drop(new LimiterError('closed'))
  }
}
