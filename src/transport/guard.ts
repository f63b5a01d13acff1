/**
 * Every socket the prober opens gets an `error` listener the moment it exists. Node turns an
 * `error` event that nobody listens to into an exception that ends the process, and a peer can
 * reset a connection at any instant: between two steps of a handshake, after a reader let go,
 * while undici is not yet attached. The listener keeps the first error on the trace; the step
 * that was waiting fails on its own (its reader or promise sees the socket end).
 */
import type { Duplex } from 'node:stream'

/** Where the first error of a probe's sockets is kept (the probe's Trace). */
export interface ErrorSink { socketError?: Error }

export function guard<S extends Duplex> (socket: S, sink: ErrorSink): S {
  socket.on('error', (err) => { sink.socketError ??= err })
  return socket
}
