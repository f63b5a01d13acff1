/**
 * The one place where errors become failure reasons. Which phase was running when the error
 * struck decides most of it: the same ECONNRESET means a broken tunnel after a proxy granted
 * it, and a lost connection on the direct path. Messages are ours and one line: a library's
 * internal text (an assertion, a stack) never reaches a user.
 */
import { DialError } from '../transport/dial-error.js'
import type { Trace } from '../transport/trace.js'
import type { FailureReason } from './reasons.js'

/** Thrown when the body grows past `max_body_bytes`. */
export class TooLargeError extends Error {
  constructor (limit: number) { super(`body exceeds ${limit} bytes`); this.name = 'TooLargeError' }
}

export interface Failure { reason: FailureReason, message: string }

/** Codes that mean the peer closed or reset the connection. */
const CLOSED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'EGRESS_CONNECTION_LOST'])
const NOT_HTTP = 'the answer is not valid HTTP'

/**
 * Errors of this machine, not of the path: the process or the system is out of file
 * descriptors, local ports or buffers. Whatever step they strike, the target and the proxy are
 * not to blame (a thousand idle clients once made every probe read `connect_refused`).
 */
const LOCAL = {
  EMFILE: 'file descriptors (the process limit)',
  ENFILE: 'file descriptors (the system limit)',
  EADDRNOTAVAIL: 'local addresses or ports',
  EADDRINUSE: 'local ports',
  ENOBUFS: 'network buffers',
  ENOMEM: 'memory',
} as const

function localCode (err: unknown): keyof typeof LOCAL | undefined {
  const errors = err instanceof AggregateError ? err.errors as unknown[] : [err]
  for (const e of errors) {
    const code = errorCode(e)
    if (Object.hasOwn(LOCAL, code)) return code as keyof typeof LOCAL
  }
  return undefined
}

/** Maps what went wrong in a probe, given its trace, to a reason and a short message. */
export function classifyError (err: unknown, trace: Trace, ctx: { timedOut: boolean, viaProxy: boolean }): Failure {
  const local = localCode(err) ?? localCode(trace.cause) ?? localCode(trace.socketError)
  if (local !== undefined) return { reason: 'local_resource', message: `this machine is out of ${LOCAL[local]} (${local}); the path was not measured` }
  if (ctx.timedOut) return { reason: timeoutReason(trace, ctx.viaProxy), message: `deadline exceeded during ${trace.stage}` }
  // A stream may end with a reason of its own after the dial (a VLESS response that is not VLESS).
  const cause = trace.cause ?? (trace.socketError instanceof DialError ? trace.socketError : err)
  if (cause instanceof DialError) return { reason: cause.reason, message: oneLine(cause.message) }
  if (cause instanceof TooLargeError) return { reason: 'too_large', message: cause.message }
  const code = errorCode(cause)
  switch (trace.stage) {
    case 'resolve': return { reason: 'dns', message: describe(cause) }
    case 'connect':
      if (code === 'ETIMEDOUT') return { reason: ctx.viaProxy ? 'proxy_timeout' : 'connect_timeout', message: describe(cause) }
      return { reason: ctx.viaProxy ? 'proxy_refused' : 'connect_refused', message: describe(cause) }
    case 'proxy': return { reason: 'proxy_rejected', message: describe(cause) }
    case 'tls': return { reason: CLOSED.has(code) && trace.tunnelGranted ? 'tunnel_broken' : 'tls', message: describe(cause) }
    default: return answerFailure(code, cause, trace)
  }
}

function timeoutReason (trace: Trace, viaProxy: boolean): FailureReason {
  switch (trace.stage) {
    case 'resolve': return 'dns'
    case 'connect': return viaProxy ? 'proxy_timeout' : 'connect_timeout'
    case 'proxy': return 'proxy_timeout'
    default: return 'timeout'
  }
}

/** After the connection was up: waiting for the answer (`processing`) or reading it (`transfer`). */
function answerFailure (code: string, cause: unknown, trace: Trace): Failure {
  const name = cause instanceof Error ? cause.name : ''
  if (code.startsWith('HPE_') || name === 'HTTPParserError' || code === 'ERR_ASSERTION') return { reason: 'invalid_response', message: NOT_HTTP }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') return { reason: 'too_large', message: 'the response header exceeds 16 KiB' }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { reason: 'timeout', message: `no progress during ${trace.stage}` }
  if (CLOSED.has(code) || trace.lost !== undefined) {
    // undici destroys the socket itself when the answer makes no sense (data before the
    // request, an unsolicited status): that is a bad answer, not a lost connection.
    if (trace.lost?.by === 'local') return { reason: 'invalid_response', message: NOT_HTTP }
    // Nothing of the answer came back: through a granted tunnel, the tunnel carried nothing.
    // Once a byte came, the target answered: the connection was cut (`reset`) on any path.
    if (trace.stage === 'processing' && trace.firstByteAt === undefined) {
      return trace.tunnelGranted
        ? { reason: 'tunnel_broken', message: 'the tunnel closed before the answer' }
        : { reason: 'reset', message: 'the connection closed before the answer' }
    }
    return { reason: 'reset', message: 'the connection closed in the middle of the answer' }
  }
  return { reason: 'unknown', message: `unexplained error during ${trace.stage}${code === '' ? '' : ` (${code})`}` }
}

function errorCode (err: unknown): string {
  if (err === null || typeof err !== 'object') return ''
  const { code } = err as { code?: unknown }
  return typeof code === 'string' ? code : ''
}

function describe (err: unknown): string {
  // Happy Eyeballs: every address failed; name each (Node leaves the message empty).
  if (err instanceof AggregateError) {
    const tried = err.errors.map((e: NodeJS.ErrnoException & { address?: string }) => `${e.address ?? '?'} ${e.code ?? ''}`.trim())
    return oneLine(`every address failed: ${tried.join(', ')}`)
  }
  if (err instanceof Error) {
    const code = errorCode(err)
    // OpenSSL's text is its internals ("80AC...:error:0A00010B:SSL routines:..."): its code says it.
    if (code.startsWith('ERR_SSL_') && /^[0-9A-F]+:error:/.test(err.message)) return `TLS: ${code.slice(8).toLowerCase().replace(/_/g, ' ')}`
    return oneLine(code !== '' && !err.message.includes(code) ? `${err.message} (${code})` : err.message)
  }
  return oneLine(String(err))
}

/** The first line, at most 200 characters. */
function oneLine (text: string): string {
  const line = text.split('\n', 1)[0] ?? ''
  return line.length > 200 ? `${line.slice(0, 197)}...` : line
}
