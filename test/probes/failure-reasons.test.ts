/** One real misbehaving server per failure reason; each row must produce exactly its reason. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startBlackhole } from '../helpers/blackhole.js'
import { testCerts } from '../helpers/certs.js'
import { closedPort, startRawServer } from '../helpers/net.js'
import { probeAll } from '../helpers/probe.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let http: TargetServer, https: TargetServer, closed: number
let garbage: { port: number, close: () => Promise<void> }, blackhole: { port: number, close: () => void }
const proxies: Record<string, TestProxy> = {}

beforeAll(async () => {
  http = await startTarget()
  https = await startTarget({ tls: true })
  garbage = await startRawServer((s) => { s.end('SSH-2.0-OpenSSH_9.2\r\nnot http at all\r\n\r\n') })
  blackhole = await startBlackhole()
  closed = await closedPort()
  proxies.silentSocks = await startSocksProxy({ mode: 'silent' })
  proxies.socksReply5 = await startSocksProxy({ mode: { reply: 5 } })
  proxies.socksAuth = await startSocksProxy({ auth: { user: 'u', pass: 'right' } })
  proxies.connectAuth = await startConnectProxy({ auth: { user: 'u', pass: 'right' } })
  proxies.connect403 = await startConnectProxy({ mode: { reply: 403 } })
  proxies.socksGrantClose = await startSocksProxy({ mode: 'grant-close' })
  proxies.connectGrantClose = await startConnectProxy({ mode: 'grant-close' })
})
afterAll(async () => {
  blackhole.close()
  await Promise.all([http, https, garbage, ...Object.values(proxies)].map((s) => s.close()))
})

/** The proxy URL without its credentials, or with other ones. */
const creds = (p: TestProxy, userPass = ''): string => p.url.replace(/\/\/[^@]*@/, '//').replace('//', `//${userPass}`)

interface Case { name: string, reason: string, url: () => string, proxy?: () => string, untrusted?: boolean, maxBody?: number }

const cases: Case[] = [
  { name: 'proxy_refused', reason: 'proxy_refused', proxy: () => `socks5://127.0.0.1:${closed}`, url: () => http.url('/') },
  { name: 'proxy_timeout (silent proxy)', reason: 'proxy_timeout', proxy: () => proxies.silentSocks!.url, url: () => http.url('/') },
  { name: 'proxy_timeout (TCP to the proxy never completes)', reason: 'proxy_timeout', proxy: () => `http://127.0.0.1:${blackhole.port}`, url: () => http.url('/') },
  { name: 'proxy_auth (wrong SOCKS password)', reason: 'proxy_auth', proxy: () => creds(proxies.socksAuth!, 'u:wrong@'), url: () => http.url('/') },
  { name: 'proxy_auth (SOCKS credentials missing)', reason: 'proxy_auth', proxy: () => creds(proxies.socksAuth!), url: () => http.url('/') },
  { name: 'proxy_auth (CONNECT 407)', reason: 'proxy_auth', proxy: () => creds(proxies.connectAuth!), url: () => https.url('/') },
  { name: 'proxy_rejected (SOCKS reply 5)', reason: 'proxy_rejected', proxy: () => proxies.socksReply5!.url, url: () => http.url('/') },
  { name: 'proxy_rejected (CONNECT 403)', reason: 'proxy_rejected', proxy: () => proxies.connect403!.url, url: () => https.url('/') },
  { name: 'tunnel_broken (SOCKS granted, then closed; http)', reason: 'tunnel_broken', proxy: () => proxies.socksGrantClose!.url, url: () => http.url('/') },
  { name: 'tunnel_broken (SOCKS granted, then closed; https)', reason: 'tunnel_broken', proxy: () => proxies.socksGrantClose!.url, url: () => https.url('/') },
  { name: 'tunnel_broken (CONNECT 200, then closed; http)', reason: 'tunnel_broken', proxy: () => proxies.connectGrantClose!.url, url: () => http.url('/') },
  { name: 'tunnel_broken (CONNECT 200, then closed; https)', reason: 'tunnel_broken', proxy: () => proxies.connectGrantClose!.url, url: () => https.url('/') },
  { name: 'dns (NXDOMAIN from the injected lookup)', reason: 'dns', url: () => `http://nxdomain.test:${http.port}/` },
  { name: 'connect_refused', reason: 'connect_refused', url: () => `http://127.0.0.1:${closed}/` },
  { name: 'connect_timeout', reason: 'connect_timeout', url: () => `http://127.0.0.1:${blackhole.port}/` },
  { name: 'tls (untrusted certificate)', reason: 'tls', url: () => https.url('/'), untrusted: true },
  { name: 'timeout (first byte after the deadline)', reason: 'timeout', url: () => http.url('/?delay=3000') },
  { name: 'timeout (body stalls)', reason: 'timeout', url: () => https.url('/?stall=1') },
  { name: 'reset (connection lost mid-body)', reason: 'reset', url: () => http.url('/?cut=1&size=5000') },
  { name: 'http_status (500)', reason: 'http_status', url: () => http.url('/?status=500') },
  { name: 'invalid_response (garbage instead of HTTP)', reason: 'invalid_response', url: () => `http://127.0.0.1:${garbage.port}/` },
  { name: 'too_large (body over max_body_bytes)', reason: 'too_large', url: () => http.url('/?size=5000'), maxBody: 1000 },
]

it.each(cases)('$name', async (c) => {
  const proxyBlock = c.proxy === undefined ? '' : `proxies: { p: "${c.proxy()}" }`
  const tls = c.untrusted === true ? '' : `, tls: { ca_file: "${testCerts().caFile}" }`
  const max = c.maxBody === undefined ? '' : `, max_body_bytes: ${c.maxBody}`
  const via = c.proxy === undefined ? 'direct' : 'p'
  const started = Date.now()
  const r = await probeAll(`${proxyBlock}\ntargets: [{ name: t, url: "${c.url()}", via: [${via}], timeout: 1s, interval: 5s${tls}${max} }]`)
  const result = r[`t/${via}`]!
  expect({ success: result.success, reason: result.reason, message: result.message }).toMatchObject({ success: false, reason: c.reason })
  // A silent proxy with a 1 s timeout must fail well before the 5 s interval, and so must every
  // other case; 3 s leaves room for a loaded machine.
  expect(Date.now() - started).toBeLessThan(3000)
})
