import { isIP } from 'node:net'
import { canonicalIp } from '../net/ip.js'
import { exchange } from './exchange.js'
import { inRanges } from './expect.js'
import type { Failure } from './failure.js'
import { toResult } from './result.js'
import type { ProbeFn } from './types.js'

/**
 * Asks an IP-echo service (checkip.amazonaws.com, ipify, ...) which address the request came
 * from. The answer is a bare IP in text or JSON with an `ip` field; anything else is invalid.
 * The IP is kept in canonical form (see ip.ts): it becomes a label and is compared with others.
 */
export const probeEgressIp: ProbeFn = async (job, deps, signal) => {
  const ex = await exchange(job, deps, signal)
  if (ex.failure !== undefined) return toResult(job, ex)
  if (!inRanges(ex.statusCode, job.target.expect.status)) {
    return toResult(job, ex, { reason: 'http_status', message: `unexpected status ${ex.statusCode}` })
  }
  const ip = parseEgressIp(ex.body.toString('utf8'))
  if (ip === undefined) return toResult(job, ex, { reason: 'invalid_response', message: 'answer is not an IP address' })
  return toResult(job, ex, unexpectedEgress(job.allowedEgress, ip), ip)
}

export function parseEgressIp (text: string): string | undefined {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{')) return canonicalIp(trimmed)
  try {
    const json: unknown = JSON.parse(trimmed)
    const ip = json !== null && typeof json === 'object' ? (json as { ip?: unknown }).ip : undefined
    return typeof ip === 'string' ? canonicalIp(ip) : undefined
  } catch {
    return undefined
  }
}

function unexpectedEgress (allowed: import('node:net').BlockList | undefined, ip: string): Failure | undefined {
  if (allowed === undefined) return undefined
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4'
  return allowed.check(ip, family) ? undefined : { reason: 'ip_unexpected', message: `egress IP ${ip} is outside egress_ip.expect` }
}
