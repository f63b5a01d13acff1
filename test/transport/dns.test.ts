/** No DNS leak: through proxies the target name is never resolved locally (unless asked). */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { probeAll, testDeps, testLookup } from '../helpers/probe.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let target: TargetServer, socks: TestProxy, socksLocal: TestProxy, connect: TestProxy

beforeAll(async () => {
  [target, socks, socksLocal, connect] = await Promise.all([startTarget(), startSocksProxy(), startSocksProxy(), startConnectProxy()])
})
afterAll(async () => { await Promise.all([target, socks, socksLocal, connect].map((s) => s.close())) })

it('sends the name to SOCKS5 (socks5:// and socks5h://) and CONNECT proxies; only direct resolves locally', async () => {
  const lookup = testLookup()
  const plain = socks.url.replace('socks5h://', 'socks5://')
  const r = await probeAll(`
proxies: { s5: "${plain}", s5h: "${socks.url}", http: "${connect.url}" }
targets: [{ name: t, url: "http://api.test:${target.port}/" }]
`, testDeps(lookup))
  for (const via of ['direct', 's5', 's5h', 'http']) expect(r[`t/${via}`]?.success, via).toBe(true)
  expect(lookup.calls).toEqual(['api.test']) // once: the direct path
  expect(r['t/direct']!.phases.resolve).toBeGreaterThan(0)
  expect(socks.requests.map((q) => [q.host, q.addressType])).toEqual([['api.test', 'domain'], ['api.test', 'domain']])
  expect(connect.requests.map((q) => q.host)).toEqual(['api.test'])
})

it('resolves locally and sends an address with resolve: local', async () => {
  const lookup = testLookup()
  const r = await probeAll(`
proxies: { s5: { url: "${socksLocal.url.replace('socks5h://', 'socks5://')}", resolve: local } }
targets: [{ name: t, url: "http://api.test:${target.port}/", via: [s5] }]
`, testDeps(lookup))
  expect(r['t/s5']?.success).toBe(true)
  expect(lookup.calls).toEqual(['api.test'])
  expect(socksLocal.requests.map((q) => [q.host, q.addressType])).toEqual([['127.0.0.1', 'ip']])
})
