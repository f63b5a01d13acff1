/**
 * The last line of defence: an error that escaped every handler (an `error` event nobody
 * listened to, a rejected promise nobody awaited) is logged and counted, and the process carries
 * on. Exiting would turn one bad peer into an outage of every path's monitoring (a flaky tunnel
 * once restarted the prober 13 times in 10 minutes, wiping its state each time). Nothing is
 * expected to reach it: test/transport/fault-matrix.test.ts and the serve-mode soak fail if
 * anything does.
 */
import type { Logger } from '../log.js'

/** Installs the handler; returns a function that removes it. */
export function installLastResort (logger: Logger, onEscape: () => void = () => {}): () => void {
  const handler = (err: unknown, origin: string): void => {
    onEscape()
    const e = err instanceof Error ? err : new Error(String(err))
    logger.error({ origin, error: `${e.name}: ${e.message}`.split('\n', 1)[0]!.slice(0, 200), stack: e.stack?.split('\n').slice(1, 6).join(' | ') }, 'an error escaped every handler (a bug, please report it); carrying on')
  }
  process.on('uncaughtException', handler)
  return () => { process.off('uncaughtException', handler) }
}
