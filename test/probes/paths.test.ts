import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testCerts } from '../helpers/certs.js'
import { probeAll } from '../helpers/probe.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let http: TargetServer, https: TargetServer, socks: TestProxy, connect: TestProxy

beforeAll(async () => {
  [http, https, socks, connect] = await Promise.all([startTarget(), startTarget({ tls: true }), startSocksProxy(), startConnectProxy()])
})
afterAll(async () => {
  await Promise.all([http, https, socks, connect].map((s) => s.close()))
})

const config = (url: string, extra = ''): string => `
proxies: { socks: "${socks.url}", http: "${connect.url}" }
egress_ip: { url: "${url.replace(/\/[^/]*$/, '/ip')}", tls: { ca_file: "${testCerts().caFile}" } }
targets:
  - { name: t, url: "${url}", timeout: 5s, tls: { ca_file: "${testCerts().caFile}" } ${extra} }
`

describe.each([
  ['http', () => http],
  ['https', () => https],
])('every path over %s', (scheme, server) => {
  it('succeeds through direct, SOCKS5 and HTTP CONNECT, with the egress IP of each path', async () => {
    const r = await probeAll(config(server().url('/?delay=300').replace('127.0.0.1', 'target.test')))
    for (const via of ['direct', 'socks', 'http']) {
      const t = r[`t/${via}`]!
      expect(t, via).toMatchObject({ success: true, statusCode: 200 })
      expect(r[`egress_ip/${via}`]?.egressIp, via).toBe(via === 'direct' ? '127.0.0.1' : '127.0.0.2')
      expect(t.phases.proxy > 0, `${via} proxy phase`).toBe(via !== 'direct')
      expect(t.phases.tls > 0, `${via} tls phase`).toBe(scheme === 'https')
      // The server holds the first byte 300 ms: processing is at least that, and far from the
      // other phases' sum; 1.5 s of room holds on a machine whose cores are both busy.
      expect(t.phases.processing, `${via} processing`).toBeGreaterThanOrEqual(0.29)
      expect(t.phases.processing, `${via} processing`).toBeLessThanOrEqual(1.5)
      expect(t.durationSeconds).toBeGreaterThanOrEqual(t.phases.processing)
    }
  })
})

it('never takes the direct path through HTTP_PROXY from the environment', async () => {
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, HTTPS_PROXY: process.env.HTTPS_PROXY }
  process.env.HTTP_PROXY = connect.url
  process.env.HTTPS_PROXY = connect.url
  try {
    const r = await probeAll(`
targets: [{ name: ip, url: "${http.url('/ip')}", via: [direct] }]`)
    expect(r['ip/direct']).toMatchObject({ success: true })
    expect(http.hits.at(-1)?.remote).toBe('127.0.0.1')
  } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  }
})
