/**
 * `kind: tcp`: a TCP connection through the path (`tcp://host:port`; `tls://host:port` adds TLS
 * with the target), optionally sends `send:` and matches `expect.banner` against each line the
 * target sends (at most `max_read_bytes`). Databases, SMTP, SSH, MTProto: anything that is not
 * HTTP. Same phases, reasons and verdicts as HTTP probes.
 */
import type { Socket } from 'node:net'
import { z } from 'zod'
import { commonFields, regex, urlOf } from '../config/fields.js'
import type { Pattern } from '../config/pattern.js'
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

export interface TcpSettings { send?: Buffer, banner?: Pattern, maxReadBytes: number }

export const tcp = defineKind({
  schema,
  blackbox: 'tcp',
  tlsSchemes: ['tls:'],
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
        { ...(proxy !== undefined && { proxy }), tls: job.tls, trace, signal, lookup: deps.lookup, ipFamily: target.ipFamily, serverSpeaksFirst: true }
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
 * Reads until a line matches the banner (as blackbox's query_response: line by line, so a target
 * dripping bytes costs linear time), at most `max` bytes. The first byte ends `processing`; the
 * connection closing, `max` bytes or the deadline without a matching line is a mismatch.
 */
function readBanner (socket: Socket, banner: Pattern, max: number, trace: Trace, signal: AbortSignal): Promise<{ bytes: number, failure?: Failure }> {
  return new Promise((resolve, reject) => {
    // Grown by doubling, never past `max`: each byte is copied O(1) times (a Buffer.concat per
    // chunk cost 4.5 s of CPU for a 1 MiB line dripped in 64-byte pieces).
    let store = Buffer.allocUnsafe(Math.min(max, 4096))
    let length = 0
    const buf = (): Buffer => store.subarray(0, length)
    /** Where the first line not yet tested starts. */
    let tested = 0
    const matches = (from: number, to: number): boolean => banner.test(store.toString('latin1', from, to).replace(/\r$/, ''))
    const done = (f: () => void): void => {
      socket.off('data', onData).off('end', onEnd).off('error', onError)
      signal.removeEventListener('abort', onAbort)
      f()
    }
    const mismatch = (why: string): void => {
      // The last, unterminated line gets its test too.
      if (tested < length && matches(tested, length)) { done(() => resolve({ bytes: length })); return }
      done(() => resolve({ bytes: length, failure: { reason: 'body_mismatch', message: `${why} ${String(banner)}` } }))
    }
    const onData = (chunk: Buffer): void => {
      if (length === 0) { trace.markFirstByte(); trace.advance('transfer', trace.firstByteAt) }
      const take = Math.min(chunk.length, max - length)
      if (length + take > store.length) {
        const grown = Buffer.allocUnsafe(Math.min(max, Math.max(store.length * 2, length + take)))
        store.copy(grown, 0, 0, length)
        store = grown
      }
      length += chunk.copy(store, length, 0, take)
      for (let nl = buf().indexOf(10, tested); nl !== -1; nl = buf().indexOf(10, tested)) {
        if (matches(tested, nl)) { done(() => resolve({ bytes: length })); return }
        tested = nl + 1
      }
      if (length >= max) mismatch(`no line of the first ${max} bytes matches`)
    }
    const onEnd = (): void => {
      trace.lost ??= { by: 'peer' }
      if (length === 0) done(() => reject(new ConnectionLostError()))
      else mismatch(`the connection closed; no line of the ${length} bytes sent matches`)
    }
    const onError = (err: Error): void => { trace.lost ??= { by: 'peer' }; done(() => reject(err)) }
    // Bytes by the deadline that do not match say more than a timeout would.
    const onAbort = (): void => {
      if (length > 0 && signal.reason instanceof DeadlineError) mismatch(`no line of the ${length} bytes received by the deadline matches`)
      else done(() => reject(signal.reason as Error))
    }
    socket.on('data', onData).once('end', onEnd).once('error', onError)
    signal.addEventListener('abort', onAbort, { once: true })
    // A proxy handshake leaves the socket paused (transport/handshake-reader.ts).
    socket.resume()
  })
}
