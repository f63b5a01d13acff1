/**
 * The closed set of failure reasons. Every failed probe carries exactly one of these; alert
 * rules, dashboards and the verdict logic depend on the names, so they never change meaning.
 * docs/decisions.md explains each one.
 */
export const FAILURE_REASONS = [
  // The proxy itself.
  'proxy_refused', 'proxy_timeout', 'proxy_auth', 'proxy_rejected', 'tunnel_broken',
  // The network path to the target.
  'dns', 'connect_refused', 'connect_timeout', 'tls', 'timeout', 'reset',
  // The target's answer.
  'http_status', 'invalid_response', 'too_large', 'rate_limited', 'geo_blocked', 'block_page', 'body_mismatch',
  // The egress IP.
  'ip_unexpected',
  'unknown',
] as const

export type FailureReason = typeof FAILURE_REASONS[number]
