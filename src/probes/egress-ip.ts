/** `kind: egress_ip`: which address (and country) a path leaves from. */
import { BlockList, isIP } from 'node:net'
import { z } from 'zod'
import { commonFields, httpHeaders, httpUrl, maxBodyBytes } from '../config/fields.js'
import { countryCode } from '../net/country.js'
import { canonicalIp } from '../net/ip.js'
import { exchange, type HttpRequest } from './exchange.js'
import { inRanges } from './expect.js'
import type { Failure } from './failure.js'
import { DEFAULT_STATUS } from './http.js'
import { labelString } from '../metrics/exposition.js'
import { defineKind } from './kind.js'
import { toResult } from './result.js'
import type { ProbeDeps, ProbeJob, ProbeResult } from './types.js'

/** An IP-echo answer is a few hundred bytes; anything near this is not one. */
const EGRESS_IP_MAX_BODY_BYTES = 64 * 1024

const schema = z.strictObject({
  kind: z.literal('egress_ip'),
  url: httpUrl,
  ...commonFields,
  headers: httpHeaders.optional(),
  max_body_bytes: maxBodyBytes.optional(),
  /** IPv4/IPv6 addresses or CIDR blocks a proxy's egress IP must fall in. */
  expect: z.array(z.string().superRefine((v, ctx) => {
    if (!isIpOrCidr(v)) ctx.addIssue({ code: 'custom', message: `"${v.slice(0, 64)}" is not an IP address or CIDR block` })
  })).max(1000).optional(),
  /** ISO 3166-1 alpha-2 codes a proxy's egress must be in. */
  expect_country: z.array(z.string().superRefine((v, ctx) => {
    if (countryCode(v) === undefined) ctx.addIssue({ code: 'custom', message: `"${v.slice(0, 64)}" is not an ISO 3166-1 alpha-2 country code (e.g. NL)` })
  })).max(300).optional(),
})

export interface EgressIpSettings {
  request: HttpRequest
  /** Where a proxy's egress IP must be; absent = no check. */
  allowed?: BlockList
  expect: string[]
  expectCountry: string[]
}

export const egressIp = defineKind({
  schema,
  blackbox: 'http',
  build: (raw): EgressIpSettings => {
    const expect = raw.expect ?? []
    const settings: EgressIpSettings = {
      request: { method: 'GET', headers: raw.headers ?? {}, maxBodyBytes: raw.max_body_bytes ?? EGRESS_IP_MAX_BODY_BYTES },
      expect,
      expectCountry: (raw.expect_country ?? []).map((c) => c.toUpperCase()),
    }
    if (expect.length > 0) settings.allowed = allowList(expect)
    return settings
  },
  probe: (job, s, deps, signal) => probeEgressIp(job, s, deps, signal),
  tlsSchemes: ['https:'],
  // Its results are each path's egress IP: the store keeps them, /metrics judges proxies by these lists.
  egressCheck: (s) => ({ expect: s.expect, expectCountry: s.expectCountry }),
  probeFamilies: (w, r) => {
    w.def('egress_ip_info')
    if (r.egressIp === undefined) return
    const country = r.egressCountry === undefined ? [] : [['country', r.egressCountry] as [string, string]]
    w.sample('egress_ip_info', labelString([['via', r.via], ['ip', r.egressIp], ...country]), 1)
  },
})

/**
 * Asks an IP-echo service (checkip.amazonaws.com, ipify, Cloudflare's /cdn-cgi/trace, ipinfo,
 * ip-api, ipapi.co, ...) which address the request came from, and in which country when the
 * service says. Answers: a bare IP; Cloudflare's trace lines (`ip=…`, `loc=NL`); JSON with `ip`
 * (or ip-api's `query`) and `country_code`, `countryCode` or a two-letter `country`. Anything
 * else is invalid. The IP is kept in canonical form (see ip.ts): it becomes a label and is
 * compared with others; a country only when it is an ISO code (see country.ts).
 */
async function probeEgressIp (job: ProbeJob, s: EgressIpSettings, deps: ProbeDeps, signal?: AbortSignal): Promise<ProbeResult> {
  const ex = await exchange(job, s.request, deps, signal)
  if (ex.failure !== undefined) return toResult(job, ex)
  if (!inRanges(ex.statusCode, DEFAULT_STATUS)) {
    return toResult(job, ex, { reason: 'http_status', message: `unexpected status ${ex.statusCode}` })
  }
  const answer = parseEgressAnswer(ex.body.toString('utf8'))
  if (answer === undefined) return toResult(job, ex, { reason: 'invalid_response', message: 'answer is not an IP address' })
  // Only a proxy's egress must be in the list: direct is this host's own address.
  const result = toResult(job, ex, job.proxy === undefined ? undefined : unexpectedEgress(s.allowed, answer.ip), answer.ip)
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

function unexpectedEgress (allowed: BlockList | undefined, ip: string): Failure | undefined {
  if (allowed === undefined) return undefined
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4'
  return allowed.check(ip, family) ? undefined : { reason: 'ip_unexpected', message: `egress IP ${ip} is outside egress_ip.expect` }
}

function allowList (entries: string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [ip = '', bits] = entry.split('/')
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(ip, family)
    else list.addSubnet(ip, Number(bits), family)
  }
  return list
}

function isIpOrCidr (text: string): boolean {
  const [ip, bits, extra] = text.split('/')
  if (extra !== undefined || ip === undefined) return false
  const family = isIP(ip)
  if (family === 0) return false
  if (bits === undefined) return true
  const n = Number(bits)
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128)
}
