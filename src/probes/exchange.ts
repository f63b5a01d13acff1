/**
 * One HTTP request/response over a fresh connection, with the deadline, the body bound and
 * the phase timings; shared by every HTTP-based probe kind.
 */
import { Client } from 'undici'
import type { IncomingHttpHeaders } from 'undici/types/header.js'
import { timedConnector } from '../transport/connector.js'
import { Trace } from '../transport/trace.js'
import { classifyError, TooLargeError, type Failure } from './failure.js'
import type { ProbeDeps, ProbeJob } from './types.js'

export interface Exchange {
  trace: Trace
  startedAt: number
  failure?: Failure
  statusCode: number
  headers: IncomingHttpHeaders
  body: Buffer
}

class DeadlineError extends Error {
  constructor () { super('probe deadline exceeded'); this.name = 'DeadlineError' }
}

export async function exchange (job: ProbeJob, deps: ProbeDeps, outer?: AbortSignal): Promise<Exchange> {
  const { target, proxy } = job
  const startedAt = deps.wallClock()
  const trace = new Trace(deps.now)
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(new DeadlineError()), target.timeoutMs)
  const onOuterAbort = (): void => ac.abort(outer?.reason)
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  const result: Exchange = { trace, startedAt, statusCode: 0, headers: {}, body: Buffer.alloc(0) }
  const client = new Client(target.url.origin, {
    connect: timedConnector({ ...(proxy !== undefined && { proxy }), tls: job.tls, trace, signal: ac.signal, lookup: deps.lookup }),
    // Our own deadline governs; undici's are only a backstop.
    headersTimeout: target.timeoutMs + 1000,
    bodyTimeout: target.timeoutMs + 1000,
  })
  try {
    const res = await client.request({
      path: target.url.pathname + target.url.search,
      method: target.method,
      headers: { 'user-agent': deps.userAgent, ...target.headers },
      signal: ac.signal,
    })
    trace.advance('transfer', trace.firstByteAt)
    result.statusCode = res.statusCode
    result.headers = res.headers
    result.body = await readBounded(res.body, target.maxBodyBytes)
    trace.finish()
    // A graceful close: destroy() would build an error (and its stack trace) for nothing.
    await client.close()
  } catch (err) {
    trace.finish()
    result.failure = classifyError(err, trace, { timedOut: ac.signal.reason instanceof DeadlineError, viaProxy: proxy !== undefined })
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onOuterAbort)
    if (!client.closed) await client.destroy().catch(() => {})
  }
  return result
}

async function readBounded (body: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) throw new TooLargeError(limit)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}
