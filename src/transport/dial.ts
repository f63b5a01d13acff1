/**
 * The one dial every probe kind uses: resolve the first hop, connect (Happy Eyeballs across
 * every address, RFC 8305, by Node's `autoSelectFamily`), run the transport's handshake, then
 * TLS with the target when asked. Each step is timed into the probe's Trace; a failure raises
 * the step's own error (a DialError where a reason is known) and leaves the trace at the step.
 */
import { once } from 'node:events'
import net from 'node:net'
import type { IpFamily, ProxyConfig } from '../config/types.js'
import { DialError } from './dial-error.js'
import { guard } from './guard.js'
import { startTls, tlsFacts, type TlsSetup } from './tls.js'
import type { Trace } from './trace.js'
import { transportOf } from './transports.js'

export interface Address { address: string, family: number }
/** Name resolution, injectable so tests never ask the system resolver about other names. */
export type Lookup = (hostname: string) => Promise<Address | Address[]>

/** Which addresses of a target name to try: all (Happy Eyeballs), or one family only. */
export type { IpFamily }

export interface Destination {
  /** A name or an IP literal (no brackets). */
  host: string
  port: number
  /** TLS with the target once the stream is up. */
  secure: boolean
}

export interface DialOptions {
  proxy?: ProxyConfig
  tls: TlsSetup
  trace: Trace
  signal: AbortSignal
  lookup: Lookup
  /** Applies to target names resolved here (direct, SOCKS with `resolve: local`). */
  ipFamily?: IpFamily
  /** The target may speak first (SSH, SMTP banners): bytes that come with a proxy's grant are its. */
  serverSpeaksFirst?: boolean
}

/** How long one address may try before the next one starts (RFC 8305 §5 recommends 250 ms). */
const ATTEMPT_DELAY_MS = 250

/** Opens a connection to `dest` directly or through the proxy: resolve, connect (Happy Eyeballs), the transport's handshake, TLS; each step timed. Throws a DialError with a reason. */
export async function dial (dest: Destination, o: DialOptions): Promise<net.Socket> {
  const { proxy, trace, signal } = o
  // Without a proxy the connection to the first hop is the one to the target: no transport.
  const transport = proxy === undefined ? undefined : transportOf(proxy.protocol)
  const hop = proxy ?? dest
  const hopAddresses = await resolve(hop.host, o.lookup, proxy === undefined ? o.ipFamily : 'auto')
  // SOCKS with `resolve: local` sends an address; by default the proxy resolves (no DNS leak).
  const tunnelHost = proxy?.resolve === 'local' && transport?.localResolve === true
    ? (await resolve(dest.host, o.lookup, o.ipFamily))[0]!.address
    : dest.host
  trace.advance('connect')
  let socket = guard(connect(hop.host, hop.port, hopAddresses), trace)
  socket.setNoDelay(true)
  try {
    await once(socket, 'connect', { signal })
    trace.remoteAddress = socket.remoteAddress ?? hopAddresses[0]!.address
    if (proxy !== undefined && transport !== undefined) {
      trace.advance('proxy')
      const tunnel = await handshake(socket, () => transport.open(socket, { proxy, host: tunnelHost, port: dest.port, signal, sink: trace }), signal)
      socket = tunnel.socket
      // HTTP and TLS clients speak first: bytes before our first one are the proxy's, not the
      // target's (a captive portal's page after its "200"). A banner is the target's: kept.
      if (tunnel.early.length > 0) {
        if (o.serverSpeaksFirst !== true || dest.secure) throw new DialError('proxy_rejected', `the proxy sent ${tunnel.early.length} bytes with its grant, before the request (not from the target)`)
        socket.unshift(tunnel.early)
      }
      trace.tunnelGranted = true
    }
    if (dest.secure) {
      trace.advance('tls')
      const secured = await startTls(socket, dest.host, o.tls, signal, trace)
      trace.tls = tlsFacts(secured)
      socket = secured
    }
    trace.advance('processing')
    return socket
  } catch (err) {
    socket.destroy()
    throw err
  }
}

/** One address: a plain connect; several: Node's Happy Eyeballs over the resolved list. */
function connect (host: string, port: number, addresses: Address[]): net.Socket {
  if (addresses.length === 1) return net.connect({ host: addresses[0]!.address, port })
  return net.connect({
    host,
    port,
    autoSelectFamily: true,
    autoSelectFamilyAttemptTimeout: ATTEMPT_DELAY_MS,
    // Already resolved (and timed as `resolve`): hand Node the list.
    lookup: (_name, opts, cb) => {
      if (opts.all === true) (cb as (e: null, a: Address[]) => void)(null, addresses)
      else cb(null, addresses[0]!.address, addresses[0]!.family)
    },
  })
}

/** The deadline ends a handshake by destroying its socket; the handshake then fails at once. */
async function handshake<T> (socket: net.Socket, run: () => Promise<T>, signal: AbortSignal): Promise<T> {
  const stop = (): void => { socket.destroy() }
  signal.addEventListener('abort', stop, { once: true })
  try { return await run() } finally { signal.removeEventListener('abort', stop) }
}

const FAMILY = { ipv4: 4, ipv6: 6 } as const
/** At most this many addresses of one name are tried (a hostile resolver could return thousands). */
const MAX_ADDRESSES = 16

async function resolve (host: string, lookup: Lookup, family: IpFamily = 'auto'): Promise<Address[]> {
  const literal = net.isIP(host)
  const found = literal !== 0 ? [{ address: host, family: literal }] : [(await lookup(host))].flat()
  const wanted = family === 'auto' ? found : found.filter((a) => a.family === FAMILY[family])
  if (wanted.length === 0) throw new DialError('dns', `${host.slice(0, 64)} has no ${family === 'auto' ? '' : `${family} `}address`)
  return wanted.slice(0, MAX_ADDRESSES)
}
