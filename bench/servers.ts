/**
 * The benchmark's loopback servers, in their own process so the probers' CPU is measured alone:
 * HTTP and HTTPS targets, an HTTP CONNECT proxy and a SOCKS5 proxy (egress 127.0.0.2).
 * Prints one JSON line with the ports, then serves until killed.
 *   /hold      holds the first byte exactly 100 ms (timer, then a spin on hrtime), records the hold
 *   /sleep?ms= holds with a plain timer (for capacity: no spin, so concurrent requests overlap)
 *   /stats     hold statistics since the last call (and resets them)
 *   /ip        the caller's address (an IP-echo service)
 *   anything else: 200 "ok"
 */
import http from 'node:http'
import https from 'node:https'
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
  const ms = Number(url.searchParams.get('ms') ?? 0)
  setTimeout(() => res.end('ok\n'), url.pathname === '/sleep' ? ms : 0)
}

const { key, cert, caFile } = testCerts()
const plain = http.createServer(handler)
const secure = https.createServer({ key, cert }, handler)
for (const s of [plain, secure]) s.keepAliveTimeout = 1000
const [httpPort, httpsPort, socks, connect] = await Promise.all([
  listen(plain), listen(secure), startSocksProxy({ egress: '127.0.0.2' }), startConnectProxy({ egress: '127.0.0.2' }),
])
process.stdout.write(JSON.stringify({ httpPort, httpsPort, socksPort: socks.port, connectPort: connect.port, caFile, pid: process.pid }) + '\n')
