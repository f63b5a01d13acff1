/**
 * YAML building blocks shared by the config schema and the probe kinds' own schemas: durations,
 * status ranges, regular expressions, URLs, and the fields every target has.
 */
import { validate as validateCron } from 'node-cron'
import { z } from 'zod'
import { reasonNames, type FailureReason } from '../probes/reasons.js'
import { allFamilies } from '../metrics/catalogue.js'
import { parseDuration } from './duration.js'
import { Pattern } from './pattern.js'

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

/** A regular expression in RE2 syntax (config/pattern.ts): matched in linear time. */
export const regex = z.string().max(4096).transform((v, ctx) => {
  try { return new Pattern(v) } catch (err) {
    const why = (err as Error).message.replace(/^error parsing regexp: /, '').slice(0, 120)
    ctx.addIssue({ code: 'custom', message: `not an RE2 regular expression (${why}); RE2 has no backreferences or lookaround` })
    return z.NEVER
  }
})

/** A URL of the given schemes with a host (at most 253 characters, as DNS allows). */
export function urlOf (schemes: string[], needsPort = false): z.ZodType<string> {
  const list = schemes.map((s) => `${s}://`).join(' or ')
  const article = list.startsWith('h') ? 'an' : 'a'
  return z.string().refine((v) => {
    if (!URL.canParse(v)) return false
    const u = new URL(v)
    return schemes.includes(u.protocol.slice(0, -1)) && u.hostname !== '' && u.hostname.length <= 253 && (!needsPort || u.port !== '') &&
      (schemes.every((s) => s.startsWith('http')) || ((u.pathname === '' || u.pathname === '/') && u.search === '' && u.hash === ''))
  }, { message: `must be ${article} ${list} URL${needsPort ? ' with a port (host:port)' : ''}` })
}

/** An `http://` or `https://` target URL. */
export const httpUrl = urlOf(['http', 'https'])
/** Expected statuses: codes and `2xx`-style ranges, at least one. */
export const httpStatus = z.array(statusEntry).min(1)
/** Request headers (`headers:`), name to value; values are secrets, never shown. */
export const httpHeaders = z.record(z.string(), z.string())
/** The most body bytes a probe reads (a positive integer). */
export const maxBodyBytes = z.number().int().positive()

/** One `classify:` rule: a status (or list of ranges), an optional body regex and the reason it means. */
export const classifySchema = z.strictObject({
  status: z.union([statusEntry, z.array(statusEntry).min(1)]),
  body_regex: regex.optional(),
  // Read when a config is parsed: the closed set and the reasons of every registered kind.
  reason: z.string().refine((r) => (reasonNames() as string[]).includes(r), { error: () => `must be one of ${reasonNames().join(', ')}` }).transform((r) => r as FailureReason),
})

/** `tls:` of a target (TLS with it) or of an `https://` proxy (TLS with the proxy). */
export const tlsSchema = z.strictObject({
  ca_file: z.string().optional(),
  insecure_skip_verify: z.boolean().optional(),
  server_name: z.string().optional(),
})

/** The fields every target has, whatever its kind (each kind adds `kind`, `url` and its own). */
export const commonFields = {
  name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _ . : -'),
  via: z.array(z.string()).min(1).optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  schedule: z.string().superRefine((v, ctx) => {
    if (!validateCron(v)) ctx.addIssue({ code: 'custom', message: `bad cron expression "${v.slice(0, 64)}"` })
  }).optional(),
  tls: tlsSchema.optional(),
  ip_family: z.enum(['auto', 'ipv4', 'ipv6']).optional(),
}

/**
 * Label names a constant label must not take: every label of the catalogue's families (by
 * construction), those of prom-client's process and Node.js metrics, and those Prometheus and its
 * service discovery set. A duplicate label name makes Prometheus reject the whole scrape.
 * test/metrics/constant-labels.test.ts checks this against a live registry.
 */
export const DEFAULT_METRIC_LABELS = ['version', 'major', 'minor', 'patch', 'space', 'type', 'kind'] as const
const TARGET_LABELS = ['job', 'instance', 'pod', 'namespace', 'service', 'endpoint', 'container', 'le', 'quantile'] as const
/** Read when a config is parsed, so the families of every registered kind count too. */
export const reservedLabels = (): ReadonlySet<string> => new Set([
  ...allFamilies().flatMap(([, m]) => m.labels),
  ...DEFAULT_METRIC_LABELS,
  ...TARGET_LABELS,
])

/** `labels:`: constant labels of every series (a vantage point: region, cluster), as cloudprober's additional_label. */
export const constantLabels = z.record(z.string(), z.string().min(1).max(128)).superRefine((labels, ctx) => {
  const names = Object.keys(labels)
  const reserved = reservedLabels()
  if (names.length > 16) ctx.addIssue({ code: 'custom', message: 'at most 16 constant labels' })
  for (const name of names) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) ctx.addIssue({ code: 'custom', path: [name], message: `"${name.slice(0, 64)}" is not a valid label name (letters, digits, _; not starting with __ or a digit)` })
    else if (reserved.has(name)) ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is a label egress-prober or Prometheus already sets` })
  }
})
