/** Egress-IP intelligence: leak, expected ranges, changes, bounded label cardinality. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEgressIp } from '../../src/probes/egress-ip.js'
import { series, startApp, type TestApp } from '../helpers/app.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let echo: TargetServer, tunnel: TestProxy, leaky: TestProxy, elsewhere: TestProxy, app: TestApp

beforeAll(async () => {
  echo = await startTarget()
  tunnel = await startSocksProxy({ egress: '127.0.0.2' })
  leaky = await startSocksProxy({ egress: '127.0.0.1' })
  elsewhere = await startSocksProxy({ egress: '127.0.0.3' })
  app = await startApp(`
proxies: { tunnel: "${tunnel.url}", leaky: "${leaky.url}", elsewhere: "${elsewhere.url}" }
egress_ip: { url: "${echo.url('/ip')}", expect: [127.0.0.2/32, "::1"] }
`)
  await app.prober.runOnce()
})
afterAll(async () => {
  await app.close()
  await Promise.all([echo, tunnel, leaky, elsewhere].map((s) => s.close()))
})

describe('egress IP', () => {
  it('flags a proxy that leaves from the direct IP as a leak, and not one that leaves elsewhere', async () => {
    const text = await app.scrape()
    expect(series(text, 'egress_ip_leak').sort()).toEqual([
      'egress_ip_leak{via="elsewhere"} 0',
      'egress_ip_leak{via="leaky"} 1',
      'egress_ip_leak{via="tunnel"} 0',
    ])
  })

  it('checks proxies against egress_ip.expect', async () => {
    const text = await app.scrape()
    expect(text).toContain('egress_ip_expected{via="tunnel"} 1')
    expect(text).toContain('egress_ip_expected{via="elsewhere"} 0')
    expect(text).toContain('egress_probe_failure_reason{target="egress_ip",via="elsewhere",reason="ip_unexpected"} 1')
    expect(text).not.toContain('egress_ip_expected{via="direct"}')
  })

  it('counts a change of egress IP and keeps exactly one egress_ip_info series per via', async () => {
    const job = app.prober.job('egress_ip', 'tunnel')!
    for (const egress of ['127.0.0.4', '127.0.0.5', '127.0.0.2']) {
      tunnel.egress = egress
      await app.prober.probe(job)
    }
    const text = await app.scrape()
    expect(text).toContain('egress_ip_changes_total{via="tunnel"} 3')
    expect(text).toContain('egress_ip_changes_total{via="direct"} 0')
    expect(series(text, 'egress_ip_info').filter((l) => l.includes('via="tunnel"'))).toEqual(['egress_ip_info{via="tunnel",ip="127.0.0.2"} 1'])
  })
})

it.each([
  ['127.0.0.7\n', '127.0.0.7'],
  ['  2001:db8::1  ', '2001:db8::1'],
  ['{"ip": "127.0.0.8", "country": "NL"}', '127.0.0.8'],
  ['<html>blocked</html>', undefined],
  ['{"ip": "not-an-ip"}', undefined],
  ['', undefined],
])('parseEgressIp(%j) = %j', (text, ip) => {
  expect(parseEgressIp(text)).toBe(ip)
})
