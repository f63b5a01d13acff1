/**
 * VLESS (`vless://` in `proxies:`): a second path straight to the VLESS server, bypassing the
 * sidecar, over TCP, TLS (security=tls) and WebSocket (type=ws, the `ws` package over the
 * socket our dial opened, so every phase stays ours). REALITY and XTLS Vision cannot be spoken
 * by Node's TLS stack (OpenSSL picks the ClientHello's session id and key share; Vision reaches
 * under the TLS record layer): such a link is refused as a path at load, and stays usable as an
 * `upstream:` for the hop probes. Framing: vless-stream.ts.
 */
import { once } from 'node:events'
import { isIP, type Socket } from 'node:net'
import tls from 'node:tls'
import type { Duplex } from 'node:stream'
import WebSocket, { createWebSocketStream } from 'ws'
import { parseVlessLink, type VlessLink } from '../config/vless-link.js'
import { guard } from './guard.js'
import { prepareTls } from './tls.js'
import type { Transport, TunnelRequest } from './transport.js'
import { VlessStream, vlessRequest } from './vless-stream.js'

/** The WebSocket upgrade's answer is small; a server sending more is not a VLESS server. */
const MAX_WS_MESSAGE = 1 << 20

export const vless: Transport = {
  defaultPort: 443,
  localResolve: false,
  acceptsTls: true,
  // A path straight to the VLESS server: nothing an HTTP client could use in a PAC file.
  pac: () => undefined,
  settings: (url) => {
    const link = parseVlessLink(url)
    if (typeof link === 'string') return link
    if (link.security === 'reality') return 'a REALITY link cannot be a path (Node\'s TLS stack cannot speak REALITY): give it as a proxy\'s upstream: for the hop probes, and probe it through its sidecar'
    if (link.flow !== undefined) return `flow ${link.flow} (XTLS Vision) cannot be spoken by Node's TLS stack: give the link as a proxy's upstream: instead`
    return link
  },
  open: async (socket, req) => {
    const link = req.proxy.settings as VlessLink
    let stream: Duplex = socket
    if (link.security === 'tls') stream = await secure(socket, link, req)
    if (link.network === 'ws') stream = await websocket(stream, link, req.signal)
    const tunnel = guard(new VlessStream(stream, vlessRequest(link.id, req.host, req.port)), req.sink)
    return { socket: tunnel as unknown as Socket, early: Buffer.alloc(0) }
  },
}

/** TLS with the VLESS server: its SNI, verified against the system CAs or the proxy's `tls:`. */
async function secure (socket: Socket, link: VlessLink, { proxy, signal, sink }: TunnelRequest): Promise<tls.TLSSocket> {
  const setup = proxy.tls === undefined ? undefined : prepareTls(proxy.tls)
  const name = setup?.serverName ?? (link.sni !== '' ? link.sni : link.host)
  const secured = guard(tls.connect({
    socket,
    host: name,
    ...(isIP(name) === 0 && { servername: name }),
    ...(setup !== undefined && { secureContext: setup.secureContext, rejectUnauthorized: setup.rejectUnauthorized }),
    ALPNProtocols: link.network === 'ws' ? ['http/1.1'] : [],
  }), sink)
  await once(secured, 'secureConnect', { signal })
  return secured
}

/** The WebSocket upgrade on the open stream; then a byte stream of binary messages. */
async function websocket (stream: Duplex, link: VlessLink, signal: AbortSignal): Promise<Duplex> {
  const host = link.wsHost ?? (link.sni !== '' ? link.sni : link.host)
  const ws = new WebSocket(`ws://${host.includes(':') ? `[${host}]` : host}${link.path.startsWith('/') ? '' : '/'}${link.path}`, {
    createConnection: () => stream as Socket,
    perMessageDeflate: false,
    maxPayload: MAX_WS_MESSAGE,
    followRedirects: false,
  })
  ws.on('error', () => {}) // the upgrade's failure rejects below; later ones end the stream
  await once(ws, 'open', { signal })
  return createWebSocketStream(ws)
}
