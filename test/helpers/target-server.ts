/**
 * An HTTP or HTTPS target whose answer is set by the query string:
 *   delay=ms (hold the first byte), status=N, body=TEXT, size=N (bytes of 'a'), type=MIME,
 *   location=URL, stall=1 (send half the body, then hang), cut=1 (half the body, then drop the
 *   connection), deny=IP (close connections from IP).
 * Path /ip answers the caller's address (an IP-echo service); format=trace|ipinfo|ip-api|ipapi
 * answers as Cloudflare's trace or those services' JSON, with the country loc.<caller IP>=XX or
 * loc=XX (any text: hostile values too). Every request is recorded.
 */
import http from 'node:http'
import https from 'node:https'
import { closeServer, listen, trackSockets } from './net.js'
import { testCerts } from './certs.js'

export interface Hit {
  path: string
  remote: string
  method: string
  /** Set once the answer was written in full (the client stayed until the end). */
  answered: boolean
}

export interface TargetServer {
  port: number
  origin: string
  url: (path: string) => string
  hits: Hit[]
  close: () => Promise<void>
}

export async function startTarget (opts: { tls?: boolean, host?: string, port?: number } = {}): Promise<TargetServer> {
  const hits: Hit[] = []
  const handler: http.RequestListener = (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    const q = (k: string): string | null => u.searchParams.get(k)
    const remote = req.socket.remoteAddress ?? ''
    const hit: Hit = { path: u.pathname + u.search, remote, method: req.method ?? '', answered: false }
    hits.push(hit)
    res.on('finish', () => { hit.answered = true })
    if (q('deny') === remote) { req.socket.destroy(); return }
    const body = u.pathname === '/ip' ? ipEcho(remote, q('format'), q(`loc.${remote}`) ?? q('loc') ?? '') : q('size') !== null ? 'a'.repeat(Number(q('size'))) : (q('body') ?? 'ok\n')
    const answer = (): void => {
      const headers: http.OutgoingHttpHeaders = { 'content-type': q('type') ?? 'text/plain', 'x-remote-addr': remote }
      if (q('location') !== null) headers.location = q('location') ?? ''
      if (q('cut') !== null) { // half the body, then the connection drops
        res.writeHead(Number(q('status') ?? 200), { ...headers, 'content-length': body.length * 2 })
        res.write(body, () => setTimeout(() => req.socket.destroy(), 20))
        return
      }
      if (q('rate') !== null) { // the body at `rate` bytes a second, 8 KiB at a time
        streamAt(res, Buffer.from(body), Number(q('rate')), { ...headers, 'content-length': Buffer.byteLength(body) })
        return
      }
      if (q('stall') !== null) {
        res.writeHead(Number(q('status') ?? 200), { ...headers, 'content-length': body.length * 2 })
        res.write(body)
        return // never ends: the probe's deadline must cut it
      }
      res.writeHead(Number(q('status') ?? 200), { ...headers, 'content-length': Buffer.byteLength(body) })
      res.end(body)
    }
    const delay = Number(q('delay') ?? 0)
    if (delay > 0) setTimeout(answer, delay)
    else answer()
  }
  const { key, cert } = testCerts()
  const server = opts.tls === true ? https.createServer({ key, cert }, handler) : http.createServer(handler)
  const sockets = trackSockets(server)
  const port = await listen(server, opts.host, opts.port)
  const origin = `${opts.tls === true ? 'https' : 'http'}://127.0.0.1:${port}`
  return {
    port,
    origin,
    url: (path) => origin + path,
    hits,
    close: () => closeServer(server, sockets),
  }
}

/** What an IP-echo service of each kind answers. */
function ipEcho (ip: string, format: string | null, country: string): string {
  switch (format) {
    case 'trace': return `fl=0f0\nh=echo.test\nip=${ip}\nts=1764150000.1\nvisit_scheme=https\nloc=${country}\ntls=TLSv1.3\n`
    case 'ipinfo': return JSON.stringify({ ip, city: 'Somewhere', country })
    case 'ip-api': return JSON.stringify({ status: 'success', country: 'Somewhere-land', countryCode: country, query: ip })
    case 'ipapi': return JSON.stringify({ ip, country_name: 'Somewhere-land', country_code: country, country })
    default: return `${ip}\n`
  }
}

function streamAt (res: http.ServerResponse, body: Buffer, rate: number, headers: http.OutgoingHttpHeaders): void {
  const CHUNK = 8192
  let sent = 0
  let timer: NodeJS.Timeout | undefined
  res.writeHead(200, headers)
  const tick = (): void => {
    if (res.destroyed) return
    const n = Math.min(CHUNK, body.length - sent)
    res.write(body.subarray(sent, sent + n))
    sent += n
    if (sent >= body.length) res.end()
    else timer = setTimeout(tick, (n / rate) * 1000)
  }
  res.on('close', () => clearTimeout(timer))
  tick()
}
