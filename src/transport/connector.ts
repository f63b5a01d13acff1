/**
 * The undici side of the transport: a `connect` function that dials through dial.ts and adds
 * what HTTP needs (interim answers dropped, the request write and the first response byte
 * timed, how the connection ended).
 * Every probe builds its own connector, and a connector dials once: when the connection dies
 * before the answer, undici would dial again and again until the deadline (thousands of
 * connections to a proxy that answers garbage); the second call fails instead.
 */
import diagnosticsChannel from 'node:diagnostics_channel'
import type net from 'node:net'
import type { buildConnector } from 'undici'
import { unbracket } from '../net/ip.js'
import { dial, type DialOptions } from './dial.js'
import { dropInterimResponses } from './interim.js'
import type { Trace } from './trace.js'

const traces = new WeakMap<net.Socket, Trace>()
let watchingWrites = false

/**
 * undici publishes `undici:client:sendHeaders` just before it writes a request; the socket
 * leads to the probe's trace. `processing` starts there, as specified (request written → first
 * response byte), so undici's own setup time stays out of it.
 */
function watchRequestWrites (): void {
  if (watchingWrites) return
  watchingWrites = true
  diagnosticsChannel.subscribe('undici:client:sendHeaders', (message) => {
    traces.get((message as { socket: net.Socket }).socket)?.markRequestWritten()
  })
}

/** The probe's one connection ended before its answer; `trace.lost` says how. */
export class ConnectionLostError extends Error {
  readonly code = 'EGRESS_CONNECTION_LOST'
  constructor () { super('the connection ended before the answer; not dialling again'); this.name = 'ConnectionLostError' }
}

/** An undici connector that dials once per request through our own dial (resolve, connect, proxy handshake, TLS), timed into the Trace. */
export function timedConnector (opts: DialOptions): buildConnector.connector {
  watchRequestWrites()
  let dialled = false
  return ({ hostname, protocol, port }, callback) => {
    if (dialled) { callback(new ConnectionLostError(), null); return }
    dialled = true
    const secure = protocol === 'https:'
    const target = { host: unbracket(hostname), port: Number(port) || (secure ? 443 : 80) }
    dial({ ...target, secure }, opts).then(
      (socket) => { callback(null, prepare(socket, opts.trace)) },
      (err: Error) => { opts.trace.cause ??= err; callback(err, null) }
    )
  }
}

/** What HTTP needs on a dialled socket: see the file's comment. */
function prepare (socket: net.Socket, trace: Trace): net.Socket {
  watchEnd(socket, trace)
  dropInterimResponses(socket)
  // The first response byte, as Go's httptrace GotFirstResponseByte sees it: when data becomes
  // readable, before undici parses the headers and resolves its promise.
  // 'readable' also fires at the end of the stream, with nothing to read: that is no byte.
  const onReadable = (): void => {
    if (socket.readableLength === 0) return
    trace.markFirstByte()
    socket.off('readable', onReadable)
  }
  socket.prependListener('readable', onReadable)
  traces.set(socket, trace)
  return socket
}

/**
 * Notes on the trace how the connection ended, before undici wraps it: the peer closed or
 * reset it (`peer`), or something on our side destroyed it with an error (`local`, e.g. undici
 * on an answer that is not HTTP).
 */
function watchEnd (socket: net.Socket, trace: Trace): void {
  socket.once('end', () => { trace.lost ??= { by: 'peer' } })
  socket.once('error', (err: NodeJS.ErrnoException) => {
    trace.lost ??= { by: err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'peer' : 'local' }
  })
}
