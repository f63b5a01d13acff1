/**
 * The closed set of failure reasons, one line each. Every failed probe carries exactly one;
 * alert rules, dashboards and the verdict logic depend on the names, so they never change
 * meaning. `blames` says which side a reason points at: the proxy ones decide whether a proxy
 * is down (scheduler/proxy-watch.ts). Adding a reason is a line here and a row in
 * docs/decisions.md (a test keeps the two equal).
 */
export const REASONS = {
  proxy_refused: { blames: 'proxy' },
  proxy_timeout: { blames: 'proxy' },
  proxy_auth: { blames: 'proxy' },
  proxy_rejected: { blames: 'proxy' },
  tunnel_broken: { blames: 'proxy' },
  dns: { blames: 'network' },
  connect_refused: { blames: 'network' },
  connect_timeout: { blames: 'network' },
  tls: { blames: 'network' },
  timeout: { blames: 'network' },
  reset: { blames: 'network' },
  http_status: { blames: 'answer' },
  invalid_response: { blames: 'answer' },
  too_large: { blames: 'answer' },
  rate_limited: { blames: 'answer' },
  geo_blocked: { blames: 'answer' },
  block_page: { blames: 'answer' },
  body_mismatch: { blames: 'answer' },
  ip_unexpected: { blames: 'egress' },
  local_resource: { blames: 'prober' },
  unknown: { blames: 'none' },
} as const satisfies Record<string, { blames: Blame }>

/** Which side a reason points at. */
export type Blame = 'proxy' | 'network' | 'answer' | 'egress' | 'prober' | 'none'

/** A reason of the closed set above. */
export type BaseReason = keyof typeof REASONS
/** A reason a probe kind declared (probes/kind.ts `reasons`), registered with the kind. */
export type KindReason = string & { readonly kindReason: true }
/** Why a probe failed: one of the closed set, or a reason a registered kind declared. */
export type FailureReason = BaseReason | KindReason

const blames = new Map<string, Blame>(Object.entries(REASONS).map(([name, r]) => [name, r.blames]))

/** Every reason a probe can end with: the closed set, then those of registered kinds. */
export const reasonNames = (): FailureReason[] => [...blames.keys()] as FailureReason[]

/** What a reason blames; `none` for a name no one registered. */
export const blamesOf = (reason: string): Blame => blames.get(reason) ?? 'none'

/** A reason a kind declares in its `reasons`, typed for its results (kinds.ts registers it with the kind). */
export const kindReason = (name: string): KindReason => name as KindReason

/**
 * Adds a kind's own reason (called by probes/kinds.ts when the kind is registered) and returns
 * it typed for the kind's results. A name of the closed set or of another kind is refused.
 */
export function registerReason (name: string, blame: Blame): KindReason {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`reason "${name}" is not a snake_case name`)
  if (blames.has(name)) throw new Error(`reason "${name}" exists already`)
  blames.set(name, blame)
  return name as KindReason
}

/**
 * Whether a reason says nothing about the path: this machine could not run the probe (out of
 * file descriptors, ports, buffers). Such a result is not a measurement (prober.ts).
 */
export const blamesProber = (reason: FailureReason | undefined): boolean => reason !== undefined && blamesOf(reason) === 'prober'

/** Whether a reason blames the proxy itself (the proxy watch's up/down decision). */
export const blamesProxy = (reason: FailureReason | undefined): boolean => reason !== undefined && blamesOf(reason) === 'proxy'
