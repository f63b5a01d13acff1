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
} as const satisfies Record<string, { blames: 'proxy' | 'network' | 'answer' | 'egress' | 'prober' | 'none' }>

export type FailureReason = keyof typeof REASONS

export const FAILURE_REASONS = Object.keys(REASONS) as [FailureReason, ...FailureReason[]]

/**
 * Whether a reason says nothing about the path: this machine could not run the probe (out of
 * file descriptors, ports, buffers). Such a result is not a measurement (prober.ts).
 */
export const blamesProber = (reason: FailureReason | undefined): boolean => reason !== undefined && REASONS[reason].blames === 'prober'

/** The reasons that blame the proxy itself. */
export const PROXY_REASONS: ReadonlySet<FailureReason> = new Set(FAILURE_REASONS.filter((r) => REASONS[r].blames === 'proxy'))
