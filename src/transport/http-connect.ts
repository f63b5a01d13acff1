/**
 * HTTP CONNECT tunnelling (RFC 9110 §9.3.6) on a connected socket. Interim 1xx answers are
 * skipped (RFC 9110 §15.2); a 2xx grants the tunnel; 407 means bad or missing credentials;
 * anything else, or an answer that is not HTTP, is a refusal.
 */
import { once } from 'node:events'
import { isIP, isIPv6, type Socket } from 'node:net'
import tls from 'node:tls'
import type { ProxyConfig } from '../config/types.js'
import { HandshakeReader } from './handshake-reader.js'
import { DialError } from './dial-error.js'
import { guard } from './guard.js'
import { prepareTls } from './tls.js'
import type { Transport, TunnelRequest } from './transport.js'

const MAX_HEADER_BYTES = 16 * 1024
const MAX_INTERIM = 8

const authority = (host: string, port: number): string => isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`

/** Plain HTTP proxies (`http://`). */
export const httpProxy: Transport = {
  defaultPort: 80,
  localResolve: false,
  acceptsTls: false,
  pac: (hostPort) => `PROXY ${hostPort}`,
  open: async (socket, { proxy, host, port }) => ({ socket, early: await httpConnect(socket, proxy, authority(host, port)) }),
}

/**
 * HTTP proxies spoken to over TLS (`https://`): TLS to the proxy, then CONNECT inside it. The
 * proxy's certificate is verified against the system's CAs, or the proxy's own `tls:` settings.
 */
export const httpsProxy: Transport = {
  defaultPort: 443,
  localResolve: false,
  acceptsTls: true,
  pac: (hostPort) => `HTTPS ${hostPort}`,
  open: async (socket: Socket, { proxy, host, port, signal, sink }: TunnelRequest) => {
    const setup = proxy.tls === undefined ? undefined : prepareTls(proxy.tls)
    const name = setup?.serverName ?? proxy.host
    const secured = guard(tls.connect({
      socket,
      host: name,
      ...(isIP(name) === 0 && { servername: name }),
      ...(setup !== undefined && { secureContext: setup.secureContext, rejectUnauthorized: setup.rejectUnauthorized }),
      ALPNProtocols: ['http/1.1'],
    }), sink)
    // The deadline ends the handshake by destroying the socket (dial.ts); this one too.
    const stop = (): void => { secured.destroy() }
    signal.addEventListener('abort', stop, { once: true })
    try {
      await once(secured, 'secureConnect', { signal })
      return { socket: secured, early: await httpConnect(secured, proxy, authority(host, port)) }
    } finally {
      signal.removeEventListener('abort', stop)
    }
  },
}

/** Asks the proxy for a tunnel to `authority`; resolves with any bytes that came after the grant. */
export async function httpConnect (socket: Socket, proxy: ProxyConfig, authority: string): Promise<Buffer> {
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`]
  if (proxy.username !== undefined) {
    const token = Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')
    lines.push(`Proxy-Authorization: Basic ${token}`)
  }
  const reader = new HandshakeReader(socket, 'CONNECT', MAX_HEADER_BYTES)
  try {
    socket.write(lines.join('\r\n') + '\r\n\r\n')
    for (let i = 0; i <= MAX_INTERIM; i++) {
      const head = (await reader.until('\r\n\r\n')).toString('latin1')
      const statusLine = head.slice(0, head.indexOf('\r\n'))
      const m = /^HTTP\/1\.[01] ([1-5]\d\d)(?: |$)/.exec(statusLine)
      if (m === null) throw new DialError('proxy_rejected', 'proxy answered CONNECT with something that is not an HTTP status line')
      const status = Number(m[1])
      if (status >= 100 && status < 200) continue
      if (status >= 200 && status < 300) return reader.release()
      if (status === 407) throw new DialError('proxy_auth', 'proxy answered CONNECT with 407 Proxy Authentication Required')
      throw new DialError('proxy_rejected', `proxy answered CONNECT with status ${status}`)
    }
    throw new DialError('proxy_rejected', `proxy answered CONNECT with more than ${MAX_INTERIM} interim responses`)
  } catch (err) {
    reader.release()
    throw err
  }
}
