/**
 * Test proxies written for fault injection: a SOCKS5 server (RFC 1928/1929) and an HTTP CONNECT
 * proxy. Their outgoing connections bind to `egress` (default 127.0.0.2), so a probe can tell
 * proxied traffic from direct traffic. `mode` and `egress` may be changed while running.
 */
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { testCerts } from './certs.js'
import { closeServer, listen, trackSockets } from './net.js'

export type ProxyMode = 'normal' | 'silent' | 'grant-close' | { reply: number }

export interface TestProxy {
  port: number
  url: string
  mode: ProxyMode
  egress: string
  /** The most client connections open at once so far. */
  peak: number
  /** Destinations asked for, as sent: `host:port`, with the SOCKS address type. */
  requests: { host: string, port: number, addressType: 'ip' | 'domain' }[]
  close: () => Promise<void>
}

export interface ProxyOptions {
  auth?: { user: string, pass: string }
  egress?: string
  mode?: ProxyMode
  /** default: any free port */
  port?: number
  /** CONNECT proxy only: speak TLS to clients (an `https://` proxy), with the test CA's cert. */
  tls?: boolean
  /** The address to listen on (default 127.0.0.1; `::1` for IPv6 tests). */
  host?: string
}

/** Test name resolution of the proxies: loopback names only, never the system resolver. */
function resolveTestName (host: string): string | undefined {
  if (net.isIP(host) !== 0) return host
  if (host === 'localhost' || host.endsWith('.test')) return '127.0.0.1'
  if (host === 'ip6-localhost') return '::1'
  return undefined
}

function pipeOut (client: net.Socket, host: string, port: number, egress: string, onReady: () => void, onFail: () => void): void {
  const address = resolveTestName(host)
  if (address === undefined) { onFail(); return }
  // The egress address must be of the destination's family (127.0.0.2 cannot reach ::1).
  const up = net.connect({ host: address, port, localAddress: net.isIPv6(address) && !net.isIPv6(egress) ? '::1' : egress })
  up.setNoDelay(true)
  client.setNoDelay(true)
  up.once('error', () => { onFail(); client.destroy() })
  up.once('connect', () => { onReady(); client.pipe(up).pipe(client) })
  client.on('close', () => up.destroy())
  client.on('error', () => up.destroy())
}

function newState (opts: ProxyOptions): TestProxy {
  return { port: 0, url: '', mode: opts.mode ?? 'normal', egress: opts.egress ?? '127.0.0.2', peak: 0, requests: [], close: async () => {} }
}

export async function startSocksProxy (opts: ProxyOptions = {}): Promise<TestProxy> {
  const state = newState(opts)
  const server = net.createServer((s) => { s.on('error', () => {}); socksSession(s, state, opts.auth).catch(() => s.destroy()) })
  return await serve(server, state, opts, 'socks5h')
}

async function socksSession (s: net.Socket, state: TestProxy, auth?: { user: string, pass: string }): Promise<void> {
  const read = byteReader(s)
  const [, nMethods = 0] = await read(2)
  const methods = await read(nMethods)
  if (state.mode === 'silent') return
  const wanted = auth === undefined ? 0x00 : 0x02
  if (!methods.includes(wanted)) { s.end(Buffer.from([5, 0xff])); return }
  s.write(Buffer.from([5, wanted]))
  if (auth !== undefined) {
    const [, ulen = 0] = await read(2)
    const user = (await read(ulen)).toString()
    const [plen = 0] = await read(1)
    const pass = (await read(plen)).toString()
    const ok = user === auth.user && pass === auth.pass
    s.write(Buffer.from([1, ok ? 0 : 1]))
    if (!ok) { s.end(); return }
  }
  const [, , , atyp] = await read(4)
  let host: string
  if (atyp === 3) host = (await read((await read(1))[0] ?? 0)).toString()
  else if (atyp === 4) { const b = await read(16); host = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':') } else host = [...(await read(4))].join('.')
  const port = (await read(2)).readUInt16BE(0)
  read.release()
  state.requests.push({ host, port, addressType: atyp === 3 ? 'domain' : 'ip' })
  const reply = (code: number): void => { s.write(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0])) }
  const mode = state.mode
  if (typeof mode === 'object') { reply(mode.reply); s.end(); return }
  if (mode === 'grant-close') { reply(0); setTimeout(() => s.destroy(), 20); return }
  // RFC 1928 §6: 4 = host unreachable, 5 = connection refused.
  pipeOut(s, host, port, state.egress, () => reply(0), () => { reply(resolveTestName(host) === undefined ? 4 : 5); s.end() })
}

/**
 * Reads exact byte counts from a socket in order (enough for a handshake); `release()` stops
 * listening and hands unread bytes back to the socket.
 */
function byteReader (s: net.Socket): ((n: number) => Promise<Buffer>) & { release: () => void } {
  let buf = Buffer.alloc(0)
  let waiting: (() => void) | undefined
  const onData = (d: Buffer): void => { buf = Buffer.concat([buf, d]); waiting?.() }
  s.on('data', onData)
  const release = (): void => {
    s.off('data', onData)
    s.pause()
    if (buf.length > 0) s.unshift(buf)
  }
  return Object.assign(async (n: number) => {
    while (buf.length < n) {
      if (s.destroyed || s.readableEnded) throw new Error('closed')
      await new Promise<void>((resolve) => { waiting = resolve; s.once('close', resolve) })
    }
    const out = buf.subarray(0, n)
    buf = buf.subarray(n)
    return out
  }, { release })
}

export async function startConnectProxy (opts: ProxyOptions = {}): Promise<TestProxy> {
  const state = newState(opts)
  const expected = opts.auth === undefined ? undefined : `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.pass}`).toString('base64')}`
  // Absolute-form requests (how Go and curl send plain HTTP through a proxy) are forwarded too.
  const handler: http.RequestListener = (req, res) => {
    let target: URL
    try { target = new URL(req.url ?? '') } catch { res.writeHead(400).end('absolute-form or CONNECT only\n'); return }
    if (state.mode === 'silent') return
    if (expected !== undefined && req.headers['proxy-authorization'] !== expected) { res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end(); return }
    const address = resolveTestName(target.hostname)
    if (typeof state.mode === 'object' || address === undefined) { res.writeHead(typeof state.mode === 'object' ? state.mode.reply : 502).end(); return }
    const { 'proxy-authorization': _auth, 'proxy-connection': _conn, ...headers } = req.headers
    const up = http.request({ host: address, port: target.port, path: target.pathname + target.search, method: req.method, headers, localAddress: state.egress }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end() })
    req.pipe(up)
  }
  const server = opts.tls === true ? https.createServer({ key: testCerts().key, cert: testCerts().cert }, handler) : http.createServer(handler)
  server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    client.on('error', () => {})
    const [authority = '', port = '0'] = (req.url ?? '').split(/:(?=\d+$)/)
    const host = authority.replace(/^\[(.*)\]$/, '$1')
    state.requests.push({ host, port: Number(port), addressType: net.isIP(host) === 0 ? 'domain' : 'ip' })
    const mode = state.mode
    if (mode === 'silent') return
    if (expected !== undefined && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n')
      return
    }
    if (typeof mode === 'object') { client.end(`HTTP/1.1 ${mode.reply} Refused\r\n\r\n`); return }
    if (mode === 'grant-close') {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n')
      setTimeout(() => client.destroy(), 20)
      return
    }
    pipeOut(client, host, Number(port), state.egress,
      () => client.write('HTTP/1.1 200 Connection established\r\n\r\n'),
      () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'))
  })
  return await serve(server, state, opts, opts.tls === true ? 'https' : 'http')
}

/** Listens on 127.0.0.1 and fills in the proxy's port, URL (with credentials) and close(). */
async function serve (server: net.Server, state: TestProxy, opts: ProxyOptions, scheme: string): Promise<TestProxy> {
  const sockets = trackSockets(server)
  server.on('connection', () => { state.peak = Math.max(state.peak, sockets.size) })
  const host = opts.host ?? '127.0.0.1'
  state.port = await listen(server, host, opts.port)
  const cred = opts.auth === undefined ? '' : `${opts.auth.user}:${opts.auth.pass}@`
  state.url = `${scheme}://${cred}${host.includes(':') ? `[${host}]` : host}:${state.port}`
  state.close = () => closeServer(server, sockets)
  return state
}
