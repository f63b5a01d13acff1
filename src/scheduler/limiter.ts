/** A counting semaphore: at most `max` tasks run at once, the rest wait in arrival order. */
export class Limiter {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor (private readonly max: number) {}

  async run<T> (task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.active++
    try {
      return await task()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }
}
