/**
 * Judges an HTTP answer against a target's expectations and classification rules. Order:
 * the target's own `classify` rules, then redirects to foreign hosts (block pages), then the
 * expected status, then the content checks; unexpected statuses get the built-in classes.
 */
import type { ClassifyRule, ExpectConfig, StatusRange } from '../config/types.js'
import type { Exchange } from './exchange.js'
import type { Failure } from './failure.js'

export function inRanges (status: number, ranges: StatusRange[]): boolean {
  return ranges.some((r) => status >= r.min && status <= r.max)
}

/** Returns the failure the answer amounts to, or undefined when it meets every expectation. */
export function judgeAnswer (url: URL, expect: ExpectConfig, classify: ClassifyRule[], ex: Exchange): Failure | undefined {
  const status = ex.statusCode
  const text = (): string => ex.body.toString('utf8')
  for (const rule of classify) {
    if (inRanges(status, rule.status) && (rule.bodyRegex === undefined || rule.bodyRegex.test(text()))) {
      return { reason: rule.reason, message: `status ${status} matched a classify rule` }
    }
  }
  const foreign = foreignRedirect(url, expect, ex)
  if (foreign !== undefined) return { reason: 'block_page', message: `status ${status} redirects to ${foreign}` }
  if (!inRanges(status, expect.status)) {
    if (status === 429) return { reason: 'rate_limited', message: 'status 429 Too Many Requests' }
    // RFC 7725: 451 Unavailable For Legal Reasons.
    if (status === 451) return { reason: 'geo_blocked', message: 'status 451 Unavailable For Legal Reasons' }
    return { reason: 'http_status', message: `unexpected status ${status}` }
  }
  return judgeContent(expect, ex, text)
}

function foreignRedirect (url: URL, expect: ExpectConfig, ex: Exchange): string | undefined {
  const location = ex.headers.location
  if (ex.statusCode < 300 || ex.statusCode > 399 || typeof location !== 'string') return undefined
  let host: string
  try { host = new URL(location, url).hostname } catch { return undefined }
  const allowed = host === url.hostname || expect.redirectHosts.includes(host)
  return allowed ? undefined : host
}

function judgeContent (e: ExpectConfig, ex: Exchange, text: () => string): Failure | undefined {
  if (e.bodyRegex !== undefined && !e.bodyRegex.test(text())) {
    return { reason: 'body_mismatch', message: `body does not match ${String(e.bodyRegex)}` }
  }
  if (e.bodyNotRegex !== undefined && e.bodyNotRegex.test(text())) {
    return { reason: 'body_mismatch', message: `body matches ${String(e.bodyNotRegex)}` }
  }
  const type = String(ex.headers['content-type'] ?? '')
  if (e.contentType !== undefined && !type.toLowerCase().startsWith(e.contentType.toLowerCase())) {
    return { reason: 'invalid_response', message: `content type "${type}" is not ${e.contentType}` }
  }
  if (e.minBytes !== undefined && ex.body.length < e.minBytes) {
    return { reason: 'invalid_response', message: `body has ${ex.body.length} bytes, expected at least ${e.minBytes}` }
  }
  return undefined
}
