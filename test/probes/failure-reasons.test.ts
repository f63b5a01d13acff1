/** One real misbehaving server per failure reason; each row must produce exactly its reason. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startBlackhole } from '../helpers/blackhole.js'
import { testCerts } from '../helpers/certs.js'
import { closedPort, startRawServer } from '../helpers/net.js'
import { probeAll } from '../helpers/probe.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

const stops: (() => unknown)[] = []
let http: TargetServer, https: TargetServer
let garbage: { port: number }, blackhole: { port: number }, closed: number
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
  stops.push(() => http.close(), () => https.close(), () => (garbage as { close: () => Promise<void> }).close(),
    () => (blackhole as { close: () => void }).close(), ...Object.values(proxies).map((p) => () => p.close()))
})
afterAll(async () => { await Promise.all(stops.map((s) => s())) })

const ca = (): string => testCerts().caFile
const withPort = (url: string, user: string, pass: string): string => url.replace('//', `//${user}:${pass}@`)

const cases: [string, () => string, string][] = [
  ['proxy_refused', () => `proxy: "socks5://127.0.0.1:${closed}"\nurl: "${http.url('/')}"`, 'proxy_refused'],
  ['proxy_timeout (silent proxy, timeout 1s)', () => `proxy: "${proxies.silentSocks!.url}"\nurl: "${http.url('/')}"`, 'proxy_timeout'],
  ['proxy_timeout (proxy port never completes TCP)', () => `proxy: "http://127.0.0.1:${blackhole.port}"\nurl: "${http.url('/')}"`, 'proxy_timeout'],
  ['proxy_auth (wrong SOCKS password)', () => `proxy: "${withPort(proxies.socksAuth!.url.replace('u:right@', ''), 'u', 'wrong')}"\nurl: "${http.url('/')}"`, 'proxy_auth'],
  ['proxy_auth (SOCKS credentials missing)', () => `proxy: "${proxies.socksAuth!.url.replace('u:right@', '')}"\nurl: "${http.url('/')}"`, 'proxy_auth'],
  ['proxy_auth (CONNECT 407)', () => `proxy: "${proxies.connectAuth!.url.replace('u:right@', '')}"\nurl: "${https.url('/')}"`, 'proxy_auth'],
  ['proxy_rejected (SOCKS reply 5)', () => `proxy: "${proxies.socksReply5!.url}"\nurl: "${http.url('/')}"`, 'proxy_rejected'],
  ['proxy_rejected (CONNECT 403)', () => `proxy: "${proxies.connect403!.url}"\nurl: "${https.url('/')}"`, 'proxy_rejected'],
  ['tunnel_broken (SOCKS granted, then closed; http)', () => `proxy: "${proxies.socksGrantClose!.url}"\nurl: "${http.url('/')}"`, 'tunnel_broken'],
  ['tunnel_broken (SOCKS granted, then closed; https)', () => `proxy: "${proxies.socksGrantClose!.url}"\nurl: "${https.url('/')}"`, 'tunnel_broken'],
  ['tunnel_broken (CONNECT 200, then closed; https)', () => `proxy: "${proxies.connectGrantClose!.url}"\nurl: "${https.url('/')}"`, 'tunnel_broken'],
  ['tunnel_broken (CONNECT 200, then closed; http)', () => `proxy: "${proxies.connectGrantClose!.url}"\nurl: "${http.url('/')}"`, 'tunnel_broken'],
  ['dns (NXDOMAIN from the injected lookup)', () => `url: "http://nxdomain.test:${http.port}/"`, 'dns'],
  ['connect_refused', () => `url: "http://127.0.0.1:${closed}/"`, 'connect_refused'],
  ['connect_timeout', () => `url: "http://127.0.0.1:${blackhole.port}/"`, 'connect_timeout'],
  ['tls (untrusted certificate)', () => `url: "${https.url('/')}"\nca: none`, 'tls'],
  ['timeout (first byte later than the deadline)', () => `url: "${http.url('/?delay=3000')}"`, 'timeout'],
  ['timeout (body stalls)', () => `url: "${https.url('/?stall=1')}"`, 'timeout'],
  ['reset (connection lost mid-body)', () => `url: "${http.url('/?cut=1&size=5000')}"`, 'reset'],
  ['http_status (500)', () => `url: "${http.url('/?status=500')}"`, 'http_status'],
  ['invalid_response (garbage instead of HTTP)', () => `url: "http://127.0.0.1:${garbage.port}/"`, 'invalid_response'],
  ['too_large (body over max_body_bytes)', () => `url: "${http.url('/?size=5000')}"\nmax: 1000`, 'too_large'],
]

it.each(cases)('%s', async (_name, spec, reason) => {
  const fields = Object.fromEntries(spec().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]))
  const proxies = fields.proxy === undefined ? '' : `proxies: { p: ${fields.proxy} }`
  const tls = fields.ca === 'none' ? '' : `, tls: { ca_file: "${ca()}" }`
  const max = fields.max === undefined ? '' : `, max_body_bytes: ${fields.max}`
  const via = fields.proxy === undefined ? 'direct' : 'p'
  const started = Date.now()
  const r = await probeAll(`${proxies}\ntargets: [{ name: t, url: ${fields.url}, via: [${via}], timeout: 1s, interval: 5s${tls}${max} }]`)
  const result = r[`t/${via}`]!
  expect(result.success).toBe(false)
  expect({ reason: result.reason, message: result.message }).toMatchObject({ reason })
  expect(Date.now() - started).toBeLessThan(2000)
})
