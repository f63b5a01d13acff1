/**
 * The one transport seam: an undici `connect` function that dials directly, through an HTTP
 * CONNECT proxy or through SOCKS5, and timestamps every step into the probe's Trace.
 * Every probe builds its own connector, and a connector dials once: when the connection dies
 * before the answer, undici would dial again and again until the deadline (thousands of
 * connections to a proxy that answers garbage); the second call fails instead.
 */
import diagnosticsChannel from 'node:diagnostics_channel'
import { once } from 'node:events'
import net from 'node:net'
import tls from 'node:tls'
import type { buildConnector } from 'undici'
import type { ProxyConfig } from '../config/types.js'
import { unbracket } from '../net/ip.js'
import { httpConnect } from './http-connect.js'
import { dropInterimResponses } from './interim.js'
import { ProxyHandshakeError } from './proxy-error.js'
import { socks5Connect } from './socks5.js'
import { startTls, tlsFacts, type TlsSetup } from './tls.js'
import type { Trace } from './trace.js'

/** Name resolution, injectable so tests never ask the system resolver about other names. */
export type Lookup = (hostname: string) => Promise<{ address: string, family: number }>

export interface DialOptions {
  proxy?: ProxyConfig
  tls: TlsSetup
  trace: Trace
  signal: AbortSignal
  lookup: Lookup
}

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

export function timedConnector (opts: DialOptions): buildConnector.connector {
  watchRequestWrites()
  let dialled = false
  return ({ hostname, protocol, port }, callback) => {
    if (dialled) { callback(new ConnectionLostError(), null); return }
    dialled = true
    const secure = protocol === 'https:'
    const target = { host: unbracket(hostname), port: Number(port) || (secure ? 443 : 80) }
    dial(target, secure, opts).then(
      (socket) => callback(null, socket),
      (err: Error) => { opts.trace.cause ??= err; callback(err, null) },
    )
  }
}

async function dial (target: { host: string, port: number }, secure: boolean, o: DialOptions): Promise<net.Socket> {
  const { proxy, trace, signal } = o
  const hop = proxy ?? target
  const address = await resolve(hop.host, o.lookup)
  // SOCKS with `resolve: local` sends an address; by default the proxy resolves (no DNS leak).
  const destination = proxy?.resolve === 'local' && isSocks(proxy) ? await resolve(target.host, o.lookup) : target.host
  trace.advance('connect')
  let socket: net.Socket = net.connect({ host: address, port: hop.port })
  socket.setNoDelay(true)
  try {
    await once(socket, 'connect', { signal })
    trace.remoteAddress = address
    if (proxy !== undefined) {
      trace.advance('proxy')
      const early = await handshake(socket, proxy, destination, target, o)
      socket = early.socket
      // HTTP and TLS clients speak first: bytes before our first one are the proxy's, not the
      // target's (a captive portal's page after its "200", say).
      if (early.bytes.length > 0) throw new ProxyHandshakeError('proxy_rejected', `the proxy sent ${early.bytes.length} bytes with its grant, before the request (not from the target)`)
      trace.tunnelGranted = true
    }
    if (secure) {
      trace.advance('tls')
      const secured = await startTls(socket, target.host, o.tls, signal)
      trace.tls = tlsFacts(secured)
      socket = secured
    }
    trace.advance('processing')
    watchEnd(socket, trace)
    dropInterimResponses(socket)
    // The first response byte, as Go's httptrace GotFirstResponseByte sees it: when data becomes
    // readable, before undici parses the headers and resolves its promise.
    socket.prependOnceListener('readable', () => { trace.markFirstByte() })
    traces.set(socket, trace)
    return socket
  } catch (err) {
    socket.destroy()
    throw err
  }
}

/** Runs the proxy's handshake; returns the tunnel's socket and any bytes that came with the grant. */
async function handshake (
  socket: net.Socket, proxy: ProxyConfig, destination: string, target: { host: string, port: number }, o: DialOptions,
): Promise<{ socket: net.Socket, bytes: Buffer }> {
  let hop: net.Socket = socket
  // The deadline ends a handshake by destroying its socket; the handshake then fails at once.
  const stop = (): void => { hop.destroy() }
  o.signal.addEventListener('abort', stop, { once: true })
  try {
    if (isSocks(proxy)) return { socket, bytes: await socks5Connect(socket, proxy, destination, target.port) }
    if (proxy.protocol === 'https') {
      hop = tls.connect({ socket, ...(net.isIP(proxy.host) === 0 && { servername: proxy.host }), ALPNProtocols: ['http/1.1'] })
      await once(hop, 'secureConnect', { signal: o.signal })
    }
    const authority = net.isIPv6(target.host) ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
    return { socket: hop, bytes: await httpConnect(hop, proxy, authority) }
  } finally {
    o.signal.removeEventListener('abort', stop)
  }
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

function isSocks (proxy: ProxyConfig): boolean {
  return proxy.protocol === 'socks5' || proxy.protocol === 'socks5h'
}

async function resolve (host: string, lookup: Lookup): Promise<string> {
  if (net.isIP(host) !== 0) return host
  return (await lookup(host)).address
}
