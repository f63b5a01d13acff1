/**
 * The one place where errors become failure reasons. Which phase was running when the error
 * struck decides most of it: the same ECONNRESET means a broken tunnel after a proxy granted
 * it, and a lost connection on the direct path.
 */
import { SocksClientError } from 'socks'
import { ProxyHandshakeError } from '../transport/proxy-error.js'
import type { Trace } from '../transport/trace.js'
import type { FailureReason } from './reasons.js'

/** Thrown when the body grows past `max_body_bytes`. */
export class TooLargeError extends Error {
  constructor (limit: number) { super(`body exceeds ${limit} bytes`); this.name = 'TooLargeError' }
}

export interface Failure { reason: FailureReason, message: string }

const CLOSED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'])

/** Maps what went wrong in a probe, given its trace, to a reason and a short message. */
export function classifyError (err: unknown, trace: Trace, ctx: { timedOut: boolean, viaProxy: boolean }): Failure {
  const cause = trace.cause ?? err
  const message = describe(cause)
  const reason = ctx.timedOut ? timeoutReason(trace, ctx.viaProxy) : errorReason(cause, trace, ctx.viaProxy)
  return { reason, message: ctx.timedOut ? `deadline exceeded during ${trace.stage}` : message }
}

function timeoutReason (trace: Trace, viaProxy: boolean): FailureReason {
  switch (trace.stage) {
    case 'resolve': return 'dns'
    case 'connect': return viaProxy ? 'proxy_timeout' : 'connect_timeout'
    case 'proxy': return 'proxy_timeout'
    default: return 'timeout'
  }
}

function errorReason (cause: unknown, trace: Trace, viaProxy: boolean): FailureReason {
  if (cause instanceof ProxyHandshakeError) return cause.kind
  if (cause instanceof TooLargeError) return 'too_large'
  if (cause instanceof SocksClientError && cause.message.includes('timed out')) return 'proxy_timeout'
  const code = errorCode(cause)
  const closed = CLOSED.has(code)
  // undici's HTTPParserError: the code is HPE_* when llhttp names the error, else undefined.
  const garbled = code.startsWith('HPE_') || (cause instanceof Error && cause.name === 'HTTPParserError')
  switch (trace.stage) {
    case 'resolve': return 'dns'
    case 'connect':
      if (code === 'ETIMEDOUT') return viaProxy ? 'proxy_timeout' : 'connect_timeout'
      return viaProxy ? 'proxy_refused' : 'connect_refused'
    case 'proxy': return 'proxy_rejected'
    case 'tls': return closed && trace.tunnelGranted ? 'tunnel_broken' : 'tls'
    case 'processing':
      if (garbled) return 'invalid_response'
      if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout'
      if (closed) return trace.tunnelGranted ? 'tunnel_broken' : 'reset'
      return 'unknown'
    case 'transfer':
      if (garbled) return 'invalid_response'
      if (code === 'UND_ERR_BODY_TIMEOUT') return 'timeout'
      return closed ? 'reset' : 'unknown'
  }
}

function errorCode (err: unknown): string {
  if (err === null || typeof err !== 'object') return ''
  const { code } = err as { code?: unknown }
  return typeof code === 'string' ? code : ''
}

function describe (err: unknown): string {
  if (err instanceof Error) {
    const code = errorCode(err)
    return code !== '' && !err.message.includes(code) ? `${err.message} (${code})` : err.message
  }
  return String(err)
}
