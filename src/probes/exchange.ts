/**
 * One HTTP request/response over a fresh connection, with the deadline, the body bound and
 * the phase timings; shared by every HTTP-based probe kind.
 */
import { Client } from 'undici'
import type { IncomingHttpHeaders } from 'undici/types/header.js'
import { timedConnector } from '../transport/connector.js'
import { Trace } from '../transport/trace.js'
import { withDeadline } from './deadline.js'
import { classifyError, TooLargeError, type Failure } from './failure.js'
import type { ProbeDeps, ProbeJob } from './types.js'

/** What to send and how much of the answer to read. */
export interface HttpRequest {
  method: 'GET' | 'HEAD'
  headers: Record<string, string>
  /** The most body bytes read. */
  maxBodyBytes: number
  /** At the bound: fail with `too_large` (default), or stop reading and succeed (downloads). */
  atBound?: 'fail' | 'stop'
  /** Keep the body for checks (default), or only count it (downloads). */
  keepBody?: boolean
}

export interface Exchange {
  trace: Trace
  startedAt: number
  failure?: Failure
  statusCode: number
  headers: IncomingHttpHeaders
  /** The body when kept (empty otherwise). */
  body: Buffer
  /** Body bytes read, kept or not, up to the failure if one struck while reading. */
  bodyBytes: number
}

export async function exchange (job: ProbeJob, request: HttpRequest, deps: ProbeDeps, outer?: AbortSignal): Promise<Exchange> {
  const { target, proxy } = job
  const trace = new Trace(deps.now)
  const result: Exchange = { trace, startedAt: deps.wallClock(), statusCode: 0, headers: {}, body: Buffer.alloc(0), bodyBytes: 0 }
  let client: Client | undefined
  const outcome = await withDeadline(target.timeoutMs, outer, async (signal) => {
    client = new Client(target.url.origin, {
      connect: timedConnector({ ...(proxy !== undefined && { proxy }), tls: job.tls, trace, signal, lookup: deps.lookup, ipFamily: target.ipFamily }),
      // Our own deadline governs; undici's are only a backstop.
      headersTimeout: target.timeoutMs + 1000,
      bodyTimeout: target.timeoutMs + 1000,
    })
    const res = await client.request({
      path: target.url.pathname + target.url.search,
      method: request.method,
      headers: { 'user-agent': deps.userAgent, ...request.headers },
      signal,
    })
    trace.advance('transfer', trace.firstByteAt)
    result.statusCode = res.statusCode
    result.headers = res.headers
    const complete = await readBody(res.body, request, result)
    trace.finish()
    // A graceful close: destroy() would build an error (and its stack trace) for nothing.
    if (complete) await client.close()
  })
  if (!outcome.ok) {
    trace.finish()
    result.failure = classifyError(outcome.error, trace, { timedOut: outcome.timedOut, viaProxy: proxy !== undefined })
  }
  const c: Client | undefined = client
  if (c !== undefined && !c.closed) await c.destroy().catch(() => {})
  return result
}

/** Reads the body into `into` under the request's bound; false when it stopped at the bound. */
async function readBody (body: AsyncIterable<Buffer>, request: HttpRequest, into: Exchange): Promise<boolean> {
  const keep = request.keepBody ?? true
  const chunks: Buffer[] = []
  let complete = true
  for await (const chunk of body) {
    const room = request.maxBodyBytes - into.bodyBytes
    if (chunk.length > room) {
      if ((request.atBound ?? 'fail') === 'fail') throw new TooLargeError(request.maxBodyBytes)
      into.bodyBytes += room
      if (keep) chunks.push(chunk.subarray(0, room))
      complete = false
      break
    }
    into.bodyBytes += chunk.length
    if (keep) chunks.push(chunk)
    if (into.bodyBytes === request.maxBodyBytes && request.atBound === 'stop') { complete = false; break }
  }
  if (keep) into.body = Buffer.concat(chunks, into.bodyBytes)
  return complete
}
