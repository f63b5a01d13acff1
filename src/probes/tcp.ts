/**
 * `kind: tcp`: a TCP connection through the path (`tcp://host:port`; `tls://host:port` adds TLS
 * with the target), optionally sends `send:` and matches `expect.banner` against the first bytes
 * the target sends (at most `max_read_bytes`). Databases, SMTP, SSH, MTProto: anything that is not
 * HTTP. Same phases, reasons and verdicts as HTTP probes.
 */
import type { Socket } from 'node:net'
import { z } from 'zod'
import { commonFields, regex, urlOf } from '../config/fields.js'
import { unbracket } from '../net/ip.js'
import { ConnectionLostError } from '../transport/connector.js'
import { dial } from '../transport/dial.js'
import { Trace } from '../transport/trace.js'
import { classifyError, type Failure } from './failure.js'
import { defineKind } from './kind.js'
import { toResult } from './result.js'
import { DeadlineError, withDeadline } from './deadline.js'

const DEFAULT_MAX_READ_BYTES = 4096

const schema = z.strictObject({
  kind: z.literal('tcp'),
  url: urlOf(['tcp', 'tls'], true),
  ...commonFields,
  /** Bytes to send once connected (YAML escapes such as "\r\n" work in double quotes). */
  send: z.string().max(64 * 1024).optional(),
  expect: z.strictObject({ banner: regex }).optional(),
  max_read_bytes: z.number().int().positive().max(1 << 20).optional(),
})

export interface TcpSettings { send?: Buffer, banner?: RegExp, maxReadBytes: number }

export const tcp = defineKind({
  schema,
  blackbox: 'tcp',
  build: (raw): TcpSettings => ({
    ...(raw.send !== undefined && { send: Buffer.from(raw.send, 'utf8') }),
    ...(raw.expect !== undefined && { banner: raw.expect.banner }),
    maxReadBytes: raw.max_read_bytes ?? DEFAULT_MAX_READ_BYTES,
  }),
  answers: (s) => s.banner !== undefined,
  probe: async (job, s, deps, outer) => {
    const startedAt = deps.wallClock()
    const trace = new Trace(deps.now)
    const { target, proxy } = job
    let read = 0
    let socket: Socket | undefined
    const outcome = await withDeadline(target.timeoutMs, outer, async (signal) => {
      socket = await dial(
        { host: unbracket(target.url.hostname), port: Number(target.url.port), secure: target.url.protocol === 'tls:' },
        { ...(proxy !== undefined && { proxy }), tls: job.tls, trace, signal, lookup: deps.lookup, ipFamily: target.ipFamily, serverSpeaksFirst: true },
      )
      // Listening before sending: the answer can come at once.
      const reading = s.banner === undefined ? undefined : readBanner(socket, s.banner, s.maxReadBytes, trace, signal)
      reading?.catch(() => {})
      trace.markRequestWritten()
      if (s.send !== undefined) await write(socket, s.send)
      if (reading === undefined) return undefined
      const got = await reading
      read = got.bytes
      return got.failure
    })
    socket?.destroy()
    trace.finish()
    const failure: Failure | undefined = outcome.ok
      ? outcome.value
      : classifyError(outcome.error, trace, { timedOut: outcome.timedOut, viaProxy: proxy !== undefined })
    const result = toResult(job, { trace, startedAt, statusCode: 0, headers: {}, body: Buffer.alloc(0), bodyBytes: read }, failure)
    if (result.success) result.message = s.banner !== undefined ? 'banner matched' : 'connected'
    return result
  },
})

function write (socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => { socket.write(data, (err) => { if (err == null) resolve(); else reject(err) }) })
}

/**
 * Reads until the banner matches, at most `max` bytes. The first byte ends `processing`; the
 * connection closing before a match, or `max` bytes without one, is a mismatch.
 */
function readBanner (socket: Socket, banner: RegExp, max: number, trace: Trace, signal: AbortSignal): Promise<{ bytes: number, failure?: Failure }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const done = (f: () => void): void => {
      socket.off('data', onData).off('end', onEnd).off('error', onError)
      signal.removeEventListener('abort', onAbort)
      f()
    }
    const onData = (chunk: Buffer): void => {
      if (buf.length === 0) { trace.markFirstByte(); trace.advance('transfer', trace.firstByteAt) }
      buf = Buffer.concat([buf, chunk.subarray(0, max - buf.length)])
      const text = buf.toString('latin1')
      if (banner.test(text)) { done(() => resolve({ bytes: buf.length })); return }
      if (buf.length >= max) done(() => resolve({ bytes: buf.length, failure: { reason: 'body_mismatch', message: `the first ${max} bytes do not match ${String(banner)}` } }))
    }
    const onEnd = (): void => {
      trace.lost ??= { by: 'peer' }
      if (buf.length === 0) done(() => reject(new ConnectionLostError()))
      else done(() => resolve({ bytes: buf.length, failure: { reason: 'body_mismatch', message: `the connection closed; the ${buf.length} bytes sent do not match ${String(banner)}` } }))
    }
    const onError = (err: Error): void => { trace.lost ??= { by: 'peer' }; done(() => reject(err)) }
    // Bytes by the deadline that do not match say more than a timeout would.
    const onAbort = (): void => {
      if (buf.length > 0 && signal.reason instanceof DeadlineError) done(() => resolve({ bytes: buf.length, failure: { reason: 'body_mismatch', message: `the ${buf.length} bytes received by the deadline do not match ${String(banner)}` } }))
      else done(() => reject(signal.reason))
    }
    socket.on('data', onData).once('end', onEnd).once('error', onError)
    signal.addEventListener('abort', onAbort, { once: true })
    // A proxy handshake leaves the socket paused (transport/handshake-reader.ts).
    socket.resume()
  })
}
