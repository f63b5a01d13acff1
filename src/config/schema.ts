/**
 * The YAML schema, snake_case, checked in one pass with zod. Unknown keys are errors
 * (strict objects), as in blackbox_exporter's `yaml.UnmarshalStrict`.
 */
import { countryCode } from '../net/country.js'
import { isIP } from 'node:net'
import { z } from 'zod'
import { FAILURE_REASONS } from '../probes/reasons.js'
import { parseDuration } from './duration.js'
import { parseListen } from './listen.js'
import { parseProxyUrl } from './proxy-url.js'
import { validate as validateCron } from 'node-cron'

/** The longest duration anywhere in the config: an interval of a day (timers overflow past 24.8 days). */
export const MAX_DURATION_MS = 24 * 3_600_000

export const duration = z.string().or(z.number()).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v * 1000 : parseDuration(v)
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `bad duration "${v}" (use e.g. 500ms, 30s, 1m)` })
    return z.NEVER
  }
  if (ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `duration "${v}" is longer than 24h, the longest allowed (use schedule: for rarer probes)` })
    return z.NEVER
  }
  return ms
})

const STATUS_ENTRY = /^(\d{3})(?:-(\d{3}))?$|^([1-5])xx$/
export const statusEntry = z.union([z.number().int(), z.string()]).transform((v, ctx) => {
  const m = STATUS_ENTRY.exec(String(v))
  if (m === null) {
    ctx.addIssue({ code: 'custom', message: `bad status "${v}" (use 200, 200-399 or 2xx)` })
    return z.NEVER
  }
  if (m[3] !== undefined) return { min: Number(m[3]) * 100, max: Number(m[3]) * 100 + 99 }
  const min = Number(m[1])
  const max = m[2] === undefined ? min : Number(m[2])
  if (min < 100 || max > 599 || min > max) {
    ctx.addIssue({ code: 'custom', message: `bad status range "${v}"` })
    return z.NEVER
  }
  return { min, max }
})

export const regex = z.string().transform((v, ctx) => {
  try { return new RegExp(v) } catch (err) {
    ctx.addIssue({ code: 'custom', message: `bad regular expression: ${(err as Error).message}` })
    return z.NEVER
  }
})

const httpUrl = z.string().refine((v) => /^https?:\/\/[^/]/.test(v) && URL.canParse(v) && new URL(v).hostname.length <= 253, {
  message: 'must be an http:// or https:// URL',
})

const expectSchema = z.strictObject({
  status: z.array(statusEntry).min(1).optional(),
  body_regex: regex.optional(),
  body_not_regex: regex.optional(),
  content_type: z.string().min(1).optional(),
  min_bytes: z.number().int().nonnegative().optional(),
  redirect_hosts: z.array(z.string()).optional(),
})

const classifySchema = z.strictObject({
  status: z.union([statusEntry, z.array(statusEntry).min(1)]),
  body_regex: regex.optional(),
  reason: z.enum(FAILURE_REASONS),
})

const tlsSchema = z.strictObject({
  ca_file: z.string().optional(),
  insecure_skip_verify: z.boolean().optional(),
  server_name: z.string().optional(),
})

const viaList = z.array(z.string()).min(1)

const probeFields = {
  via: viaList.optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  schedule: z.string().superRefine((v, ctx) => {
    if (!validateCron(v)) ctx.addIssue({ code: 'custom', message: `bad cron expression "${v.slice(0, 64)}"` })
  }).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  tls: tlsSchema.optional(),
  max_body_bytes: z.number().int().positive().optional(),
}

const targetSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _ . : -'),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD']).optional(),
  expect: expectSchema.optional(),
  classify: z.array(classifySchema).optional(),
  ...probeFields,
})

const egressIpSchema = z.strictObject({
  url: httpUrl,
  expect: z.array(z.string().superRefine((v, ctx) => {
    if (!isIpOrCidr(v)) ctx.addIssue({ code: 'custom', message: `"${v.slice(0, 64)}" is not an IP address or CIDR block` })
  })).optional(),
  expect_country: z.array(z.string().superRefine((v, ctx) => {
    if (countryCode(v) === undefined) ctx.addIssue({ code: 'custom', message: `"${v.slice(0, 64)}" is not an ISO 3166-1 alpha-2 country code (e.g. NL)` })
  })).max(300).optional(),
  ...probeFields,
})

const proxySchema = z.union([
  z.string(),
  z.strictObject({ url: z.string(), resolve: z.enum(['remote', 'local']).optional() }),
]).superRefine((spec, ctx) => {
  const problem = parseProxyUrl('', typeof spec === 'string' ? spec : spec.url)
  if (typeof problem === 'string') ctx.addIssue({ code: 'custom', message: problem, ...(typeof spec !== 'string' && { path: ['url'] }) })
})

export const configSchema = z.strictObject({
  listen: z.string().refine((v) => parseListen(v) !== undefined, { message: 'must be host:port, [v6]:port or :port' }).optional(),
  defaults: z.strictObject({
    interval: duration.optional(),
    timeout: duration.optional(),
    jitter: duration.optional(),
    recheck_interval: duration.optional(),
    max_body_bytes: z.number().int().positive().optional(),
  }).optional(),
  max_concurrent_probes: z.number().int().positive().optional(),
  metrics: z.strictObject({ per_target_histogram: z.boolean().optional() }).optional(),
  proxies: z.record(z.string(), proxySchema).optional(),
  egress_ip: egressIpSchema.optional(),
  targets: z.array(targetSchema).optional(),
  xray: z.strictObject({
    api: z.string().refine((v) => parseListen(v) !== undefined, { message: 'must be host:port' }),
    flavor: z.enum(['auto', 'xray', 'v2ray']).optional(),
    timeout: duration.optional(),
  }).optional(),
})

export type RawConfig = z.infer<typeof configSchema>
export type RawTarget = z.infer<typeof targetSchema>
export type RawEgressIp = z.infer<typeof egressIpSchema>

function isIpOrCidr (text: string): boolean {
  const [ip, bits, extra] = text.split('/')
  if (extra !== undefined || ip === undefined) return false
  const family = isIP(ip)
  if (family === 0) return false
  if (bits === undefined) return true
  const n = Number(bits)
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128)
}
