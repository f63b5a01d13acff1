import { isIP } from 'node:net'
import { countryCode } from '../net/country.js'
import { canonicalIp } from '../net/ip.js'
import { exchange } from './exchange.js'
import { inRanges } from './expect.js'
import type { Failure } from './failure.js'
import { toResult } from './result.js'
import type { ProbeFn } from './types.js'

/**
 * Asks an IP-echo service (checkip.amazonaws.com, ipify, Cloudflare's /cdn-cgi/trace, ipinfo,
 * ip-api, ipapi.co, ...) which address the request came from, and in which country when the
 * service says. Answers: a bare IP; Cloudflare's trace lines (`ip=…`, `loc=NL`); JSON with `ip`
 * (or ip-api's `query`) and `country_code`, `countryCode` or a two-letter `country`. Anything
 * else is invalid. The IP is kept in canonical form (see ip.ts): it becomes a label and is
 * compared with others; a country only when it is an ISO code (see country.ts).
 */
export const probeEgressIp: ProbeFn = async (job, deps, signal) => {
  const ex = await exchange(job, deps, signal)
  if (ex.failure !== undefined) return toResult(job, ex)
  if (!inRanges(ex.statusCode, job.target.expect.status)) {
    return toResult(job, ex, { reason: 'http_status', message: `unexpected status ${ex.statusCode}` })
  }
  const answer = parseEgressAnswer(ex.body.toString('utf8'))
  if (answer === undefined) return toResult(job, ex, { reason: 'invalid_response', message: 'answer is not an IP address' })
  const result = toResult(job, ex, unexpectedEgress(job.allowedEgress, answer.ip), answer.ip)
  if (answer.country !== undefined) result.egressCountry = answer.country
  return result
}

export interface EgressAnswer { ip: string, country?: string }

export function parseEgressAnswer (text: string): EgressAnswer | undefined {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) return fromJson(trimmed)
  if (/^ip=/m.test(trimmed)) return fromTrace(trimmed)
  const ip = canonicalIp(trimmed)
  return ip === undefined ? undefined : { ip }
}

function withCountry (ip: string | undefined, country: string | undefined): EgressAnswer | undefined {
  if (ip === undefined) return undefined
  return country === undefined ? { ip } : { ip, country }
}

function fromJson (text: string): EgressAnswer | undefined {
  let json: unknown
  try { json = JSON.parse(text) } catch { return undefined }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined
  const o = json as Record<string, unknown>
  const ip = typeof o.ip === 'string' ? o.ip : typeof o.query === 'string' ? o.query : undefined
  return withCountry(ip === undefined ? undefined : canonicalIp(ip), countryCode(o.country_code) ?? countryCode(o.countryCode) ?? countryCode(o.country))
}

/** Cloudflare's trace: `key=value` lines; one `ip=` line, at most one `loc=`. */
function fromTrace (text: string): EgressAnswer | undefined {
  const values = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq).trim()
    values.set(key, [...(values.get(key) ?? []), line.slice(eq + 1).trim()])
  }
  const ips = values.get('ip') ?? []
  const locs = values.get('loc') ?? []
  if (ips.length !== 1) return undefined
  return withCountry(canonicalIp(ips[0]!), locs.length === 1 ? countryCode(locs[0]) : undefined)
}

function unexpectedEgress (allowed: import('node:net').BlockList | undefined, ip: string): Failure | undefined {
  if (allowed === undefined) return undefined
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4'
  return allowed.check(ip, family) ? undefined : { reason: 'ip_unexpected', message: `egress IP ${ip} is outside egress_ip.expect` }
}
