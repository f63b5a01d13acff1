/** `kind: http` (the default): GETs (or HEADs) the URL and judges the answer against its expectations. */
import { z } from 'zod'
import type { ClassifyRule, ExpectConfig, StatusRange } from '../config/types.js'
import { classifySchema, commonFields, httpHeaders, httpStatus, httpUrl, maxBodyBytes, regex } from '../config/fields.js'
import { exchange, type HttpRequest } from './exchange.js'
import { judgeAnswer } from './expect.js'
import { defineKind } from './kind.js'
import { toResult } from './result.js'

const DEFAULT_MAX_BODY_BYTES = 1 << 20
export const DEFAULT_STATUS: StatusRange[] = [{ min: 200, max: 399 }]

const schema = z.strictObject({
  kind: z.literal('http'),
  url: httpUrl,
  ...commonFields,
  method: z.enum(['GET', 'HEAD']).optional(),
  headers: httpHeaders.optional(),
  max_body_bytes: maxBodyBytes.optional(),
  expect: z.strictObject({
    status: httpStatus.optional(),
    body_regex: regex.optional(),
    body_not_regex: regex.optional(),
    content_type: z.string().min(1).optional(),
    min_bytes: z.number().int().nonnegative().optional(),
    redirect_hosts: z.array(z.string()).optional(),
  }).optional(),
  classify: z.array(classifySchema).optional(),
})

export interface HttpSettings { request: HttpRequest, expect: ExpectConfig, classify: ClassifyRule[] }

export const http = defineKind({
  schema,
  blackbox: 'http',
  tlsSchemes: ['https:'],
  build: (raw, ctx): HttpSettings => {
    const e = raw.expect ?? {}
    const expect: ExpectConfig = { status: e.status ?? DEFAULT_STATUS, redirectHosts: e.redirect_hosts ?? [] }
    if (e.body_regex !== undefined) expect.bodyRegex = e.body_regex
    if (e.body_not_regex !== undefined) expect.bodyNotRegex = e.body_not_regex
    if (e.content_type !== undefined) expect.contentType = e.content_type
    if (e.min_bytes !== undefined) expect.minBytes = e.min_bytes
    return {
      request: { method: raw.method ?? 'GET', headers: raw.headers ?? {}, maxBodyBytes: raw.max_body_bytes ?? ctx.defaults.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES },
      expect,
      classify: (raw.classify ?? []).map((c) => ({
        status: Array.isArray(c.status) ? c.status : [c.status],
        reason: c.reason,
        ...(c.body_regex !== undefined && { bodyRegex: c.body_regex }),
      })),
    }
  },
  probe: async (job, s, deps, signal) => {
    const ex = await exchange(job, s.request, deps, signal)
    return toResult(job, ex, ex.failure === undefined ? judgeAnswer(job.target.url, s.expect, s.classify, ex) : undefined)
  },
})
