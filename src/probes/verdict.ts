/**
 * The verdict on a target, from the latest result of each of its vias: whose fault is it?
 * See docs/decisions.md for examples.
 */
import { DIRECT } from '../config/types.js'

/** The verdicts on a target, from the latest result of each of its vias (verdict.ts explains each). */
export const VERDICTS = ['ok', 'direct_blocked', 'proxy_degraded', 'proxy_broken', 'unreachable', 'unknown'] as const
/** One verdict of VERDICTS. */
export type Verdict = typeof VERDICTS[number]

/** `outcomes` maps each configured via to its latest success, or undefined before its first result. */
export function verdictOf (outcomes: Record<string, boolean | undefined>): Verdict {
  const values = Object.values(outcomes)
  if (values.length === 0 || values.some((v) => v === undefined)) return 'unknown'
  if (values.every((v) => v === true)) return 'ok'
  if (values.every((v) => v === false)) return 'unreachable'
  const proxies = Object.entries(outcomes).filter(([via]) => via !== DIRECT).map(([, ok]) => ok)
  const direct = outcomes[DIRECT]
  if (direct === false && proxies.every((ok) => ok === true)) return 'direct_blocked'
  if (direct === true && proxies.every((ok) => ok === false)) return 'proxy_broken'
  return 'proxy_degraded'
}
