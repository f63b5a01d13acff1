/**
 * Dual-stack names: every resolved address is tried (Happy Eyeballs, RFC 8305), and ip_family
 * limits a target to one family. The name resolves to ::1 and 127.0.0.1 (an injected lookup);
 * servers listen on one family only.
 */
import net from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { closeServer, listen, trackSockets } from '../helpers/net.js'
import { probeAll, testDeps } from '../helpers/probe.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import type { Lookup } from '../../src/transport/dial.js'

let v4: net.Server, v6: net.Server, v4Port: number, v6Port: number, socks: TestProxy
const sockets: Set<net.Socket>[] = []

const dual: Lookup = async (name) => {
  if (name !== 'dual.test') throw Object.assign(new Error(`test lookup refuses ${name}`), { code: 'ENOTFOUND' })
  return [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]
}

beforeAll(async () => {
  const answer = (s: net.Socket): void => { s.on('error', () => {}); s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n')) }
  v4 = net.createServer(answer); v6 = net.createServer(answer)
  sockets.push(trackSockets(v4), trackSockets(v6))
  v4Port = await listen(v4, '127.0.0.1')
  v6Port = await listen(v6, '::1')
  socks = await startSocksProxy()
})
afterAll(async () => {
  await Promise.all([closeServer(v4, sockets[0]!), closeServer(v6, sockets[1]!), socks.close()])
})

it('auto: a server on IPv4 only is reached although ::1 comes first (curl gets 200; so do we)', async () => {
  const r = await probeAll(`targets: [{ name: t, url: "http://dual.test:${v4Port}/", via: [direct], timeout: 5s }]`, testDeps(dual))
  expect(r['t/direct']).toMatchObject({ success: true, statusCode: 200, address: '127.0.0.1' })
})

it('auto: a server on IPv6 only is reached on ::1', async () => {
  const r = await probeAll(`targets: [{ name: t, url: "http://dual.test:${v6Port}/", via: [direct], timeout: 5s }]`, testDeps(dual))
  expect(r['t/direct']).toMatchObject({ success: true, address: '::1' })
})

it('ip_family limits the target to one family: the other one is never tried', async () => {
  const r = await probeAll(`
targets:
  - { name: v6only, url: "http://dual.test:${v4Port}/", via: [direct], timeout: 5s, ip_family: ipv6 }
  - { name: v4only, url: "http://dual.test:${v6Port}/", via: [direct], timeout: 5s, ip_family: ipv4 }
  - { name: v4ok, url: "http://dual.test:${v4Port}/", via: [direct], timeout: 5s, ip_family: ipv4 }
  - { name: v6ok, url: "http://dual.test:${v6Port}/", via: [direct], timeout: 5s, ip_family: ipv6 }
`, testDeps(dual))
  expect(r['v6only/direct']).toMatchObject({ success: false, reason: 'connect_refused' })
  expect(r['v6only/direct']!.message).toContain('::1')
  expect(r['v4only/direct']).toMatchObject({ success: false, reason: 'connect_refused' })
  expect(r['v4ok/direct']).toMatchObject({ success: true, address: '127.0.0.1' })
  expect(r['v6ok/direct']).toMatchObject({ success: true, address: '::1' })
})

it('both families refused: one connect_refused naming every address tried', async () => {
  const closed = net.createServer(); const port = await listen(closed, '127.0.0.1'); await new Promise((resolve) => closed.close(resolve))
  const r = await probeAll(`targets: [{ name: t, url: "http://dual.test:${port}/", via: [direct], timeout: 5s }]`, testDeps(dual))
  expect(r['t/direct']).toMatchObject({ success: false, reason: 'connect_refused' })
  expect(r['t/direct']!.message).toMatch(/::1.*127\.0\.0\.1|127\.0\.0\.1.*::1/)
})

it('SOCKS with resolve: local sends the address of the chosen family', async () => {
  const r = await probeAll(`
proxies: { s5: { url: "${socks.url.replace('socks5h://', 'socks5://')}", resolve: local } }
targets: [{ name: t, url: "http://dual.test:${v6Port}/", via: [s5], timeout: 5s, ip_family: ipv6 }]
`, testDeps(dual))
  expect(r['t/s5']).toMatchObject({ success: true })
  expect(socks.requests.at(-1)?.addressType).toBe('ip')
  expect(net.isIPv6(socks.requests.at(-1)?.host ?? '')).toBe(true)
})

it('a family with no address fails as dns, naming the family', async () => {
  const v4Only: Lookup = async () => ({ address: '127.0.0.1', family: 4 })
  const r = await probeAll(`targets: [{ name: t, url: "http://dual.test:${v4Port}/", via: [direct], timeout: 5s, ip_family: ipv6 }]`, testDeps(v4Only))
  expect(r['t/direct']).toMatchObject({ success: false, reason: 'dns', message: 'dual.test has no ipv6 address' })
})
