/**
 * The benchmark's loopback servers, in their own process so the probers' CPU is measured alone:
 * HTTP and HTTPS targets, an HTTP CONNECT proxy and a SOCKS5 proxy (egress 127.0.0.2).
 * Prints one JSON line with the ports, then serves until killed.
 *   /hold      holds the first byte exactly 100 ms (timer, then a spin on hrtime), records the hold
 *   /sleep?ms= holds with a plain timer (for capacity: no spin, so concurrent requests overlap)
 *   /stats     hold statistics since the last call (and resets them)
 *   /ip        the caller's address (an IP-echo service)
 *   /bytes?n=&rate=  n bytes, at `rate` bytes a second (64 KiB a write) or at once (kind: download)
 * and a raw TCP server that sends an SSH-like banner on connect (kind: tcp).
 *   anything else: 200 "ok"
 */
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { testCerts } from '../test/helpers/certs.js'
import { listen } from '../test/helpers/net.js'
import { startConnectProxy, startSocksProxy } from '../test/helpers/proxies.js'
import { summarize } from './lib/stats.js'

const HOLD_MS = 100
const holdsUs: number[] = []

const handler: http.RequestListener = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const t0 = process.hrtime.bigint()
  if (url.pathname === '/stats') {
    res.end(JSON.stringify(summarize(holdsUs.splice(0).map((us) => us / 1000))))
    return
  }
  if (url.pathname === '/hold') {
    const end = t0 + BigInt(HOLD_MS) * 1_000_000n
    setTimeout(() => {
      while (process.hrtime.bigint() < end);
      holdsUs.push(Number((process.hrtime.bigint() - t0) / 1000n))
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1024 })
      res.end(Buffer.alloc(1024, 'a'))
    }, HOLD_MS - 3)
    return
  }
  if (url.pathname === '/ip') { res.end(`${req.socket.remoteAddress ?? ''}\n`); return }
  if (url.pathname === '/bytes') { sendBytes(res, Number(url.searchParams.get('n') ?? 0), Number(url.searchParams.get('rate') ?? 0)); return }
  const ms = Number(url.searchParams.get('ms') ?? 0)
  setTimeout(() => res.end('ok\n'), url.pathname === '/sleep' ? ms : 0)
}

const CHUNK = Buffer.alloc(64 * 1024, 'a')
function sendBytes (res: http.ServerResponse, n: number, rate: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n })
  let sent = 0
  const started = performance.now()
  const next = (): void => {
    if (res.destroyed) return
    if (sent >= n) { res.end(); return }
    const size = Math.min(CHUNK.length, n - sent)
    sent += size
    const more = res.write(CHUNK.subarray(0, size))
    // Paced: the next write when the rate allows it; unpaced: when the socket drains.
    if (rate > 0) setTimeout(next, Math.max(0, started + (sent / rate) * 1000 - performance.now()))
    else if (more) setImmediate(next)
    else res.once('drain', next)
  }
  next()
}

const banner = net.createServer((s) => { s.on('error', () => {}); s.end('SSH-2.0-bench\r\n') })

const { key, cert, caFile } = testCerts()
const plain = http.createServer(handler)
const secure = https.createServer({ key, cert }, handler)
for (const s of [plain, secure]) s.keepAliveTimeout = 1000
const [httpPort, httpsPort, socks, connect, bannerPort] = await Promise.all([
  listen(plain), listen(secure), startSocksProxy({ egress: '127.0.0.2' }), startConnectProxy({ egress: '127.0.0.2' }), listen(banner),
])
process.stdout.write(JSON.stringify({ httpPort, httpsPort, socksPort: socks.port, connectPort: connect.port, bannerPort, caFile, pid: process.pid }) + '\n')
