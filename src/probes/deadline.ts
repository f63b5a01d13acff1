/** Runs a step under the probe's deadline (and the caller's abort); never throws. */
export class DeadlineError extends Error {
  constructor () { super('probe deadline exceeded'); this.name = 'DeadlineError' }
}

export type Outcome<T> = { ok: true, value: T } | { ok: false, error: unknown, timedOut: boolean }

export async function withDeadline<T> (timeoutMs: number, outer: AbortSignal | undefined, step: (signal: AbortSignal) => Promise<T>): Promise<Outcome<T>> {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(new DeadlineError()), timeoutMs)
  const onOuterAbort = (): void => ac.abort(outer?.reason)
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  try {
    return { ok: true, value: await step(ac.signal) }
  } catch (error) {
    return { ok: false, error, timedOut: ac.signal.reason instanceof DeadlineError }
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onOuterAbort)
  }
}
