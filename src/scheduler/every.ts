import type { Timers } from './timers.js'

/**
 * Calls `tick(plannedAt)` at anchor + k·interval, anchor = start + offset. Never fires for slots
 * already in the past (a stalled event loop does not cause a burst), never drifts.
 * Returns a function that stops the loop.
 */
export function every (timers: Timers, intervalMs: number, offsetMs: number, tick: (plannedAt: number) => void): () => void {
  const anchor = timers.now() + offsetMs
  let k = 0
  let handle: unknown
  let stopped = false
  const fire = (): void => {
    if (stopped) return
    tick(anchor + k * intervalMs)
    k = Math.max(k + 1, Math.ceil((timers.now() - anchor) / intervalMs))
    handle = timers.setTimeout(fire, Math.max(0, anchor + k * intervalMs - timers.now()))
  }
  handle = timers.setTimeout(fire, offsetMs)
  return () => { stopped = true; timers.clearTimeout(handle) }
}
