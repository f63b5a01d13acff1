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

it('a leak is a leak whatever the spelling: 127.0.0.1 and ::FFFF:127.0.0.1 are the same address', async () => {
  const { createServer } = await import('node:http')
  let n = 0
  // Answers alternate between the plain and the IPv4-mapped, upper-case spelling of the caller.
  const server = createServer((req, res) => { res.end(n++ % 2 === 0 ? `${req.socket.remoteAddress}\n` : `::FFFF:${req.socket.remoteAddress}\n`) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const leak = await startSocksProxy({ egress: '127.0.0.1' })
  const spelled = await startApp(`proxies: { leaky: "${leak.url}" }
egress_ip: { url: "http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/", via: [direct, leaky] }`)
  try {
    await spelled.prober.runOnce()
    const text = await spelled.scrape()
    expect(n).toBe(2)
    expect(series(text, 'egress_ip_info').sort()).toEqual(['egress_ip_info{via="direct",ip="127.0.0.1"} 1', 'egress_ip_info{via="leaky",ip="127.0.0.1"} 1'])
    expect(series(text, 'egress_ip_leak')).toEqual(['egress_ip_leak{via="leaky"} 1'])
  } finally {
    await spelled.close()
    await leak.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})
