/**
 * The one transport seam: an undici `connect` function that dials directly, through an HTTP
 * CONNECT proxy or through SOCKS5, and timestamps every step into the probe's Trace.
 * Every probe builds its own connector, so a connection is never reused.
 */
import diagnosticsChannel from 'node:diagnostics_channel'
import { once } from 'node:events'
import net from 'node:net'
import tls from 'node:tls'
import type { buildConnector } from 'undici'
import type { ProxyConfig } from '../config/types.js'
import { httpConnect } from './http-connect.js'
import { socks5Connect } from './socks5.js'
import { startTls, type TlsSetup } from './tls.js'
import type { Trace } from './trace.js'

/** Name resolution, injectable so tests never ask the system resolver about other names. */
export type Lookup = (hostname: string) => Promise<{ address: string, family: number }>

export interface DialOptions {
  proxy?: ProxyConfig
  tls: TlsSetup
  trace: Trace
  signal: AbortSignal
  lookup: Lookup
  /** Milliseconds left for the whole probe; bounds the SOCKS library's own timer. */
  timeoutMs: number
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

export function timedConnector (opts: DialOptions): buildConnector.connector {
  watchRequestWrites()
  return ({ hostname, protocol, port }, callback) => {
    const secure = protocol === 'https:'
    const target = { host: hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(port) || (secure ? 443 : 80) }
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
    if (proxy !== undefined) {
      trace.advance('proxy')
      socket = await handshake(socket, proxy, destination, target, o)
      trace.tunnelGranted = true
    }
    if (secure) {
      trace.advance('tls')
      socket = await startTls(socket, target.host, o.tls, signal)
    }
    trace.advance('processing')
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

async function handshake (
  socket: net.Socket, proxy: ProxyConfig, destination: string, target: { host: string, port: number }, o: DialOptions,
): Promise<net.Socket> {
  if (isSocks(proxy)) {
    const stop = (): void => { socket.destroy() }
    o.signal.addEventListener('abort', stop, { once: true })
    try {
      await socks5Connect(socket, proxy, destination, target.port, o.timeoutMs)
    } finally {
      o.signal.removeEventListener('abort', stop)
    }
    return socket
  }
  let hop: net.Socket = socket
  if (proxy.protocol === 'https') {
    hop = tls.connect({ socket, ...(net.isIP(proxy.host) === 0 && { servername: proxy.host }), ALPNProtocols: ['http/1.1'] })
    await once(hop, 'secureConnect', { signal: o.signal })
  }
  const authority = net.isIPv6(target.host) ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
  await httpConnect(hop, proxy, authority, o.signal)
  return hop
}

function isSocks (proxy: ProxyConfig): boolean {
  return proxy.protocol === 'socks5' || proxy.protocol === 'socks5h'
}

async function resolve (host: string, lookup: Lookup): Promise<string> {
  if (net.isIP(host) !== 0) return host
  return (await lookup(host)).address
}
