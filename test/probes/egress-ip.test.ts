/** Egress-IP intelligence: leak, expected ranges, changes, bounded label cardinality. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEgressAnswer } from '../../src/probes/egress-ip.js'
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
])('the IP of %j is %j', (text, ip) => {
  expect(parseEgressAnswer(text)?.ip).toBe(ip)
})

it.each([
  // Cloudflare's /cdn-cgi/trace
  ['fl=1\nh=x\nip=127.0.0.9\nloc=NL\nwarp=off\n', { ip: '127.0.0.9', country: 'NL' }],
  ['ip=127.0.0.9\nloc=XX\n', { ip: '127.0.0.9' }], // Cloudflare's "unknown"
  ['ip=127.0.0.9\nloc=T1\n', { ip: '127.0.0.9' }], // Cloudflare's Tor
  ['ip=127.0.0.9\nloc=NL\nloc=DE\n', { ip: '127.0.0.9' }], // two answers: none
  ['ip=127.0.0.9\nip=127.0.0.10\n', undefined],
  ['ip=not-an-ip\nloc=NL\n', undefined],
  // ipinfo, ip-api, ipapi.co
  ['{"ip":"127.0.0.9","country":"de"}', { ip: '127.0.0.9', country: 'DE' }],
  ['{"status":"success","country":"Germany","countryCode":"DE","query":"127.0.0.9"}', { ip: '127.0.0.9', country: 'DE' }],
  ['{"ip":"127.0.0.9","country_code":"FR","country":"FR"}', { ip: '127.0.0.9', country: 'FR' }],
  // A country that is not an ISO code is never a label.
  ['{"ip":"127.0.0.9","country":"Netherlands"}', { ip: '127.0.0.9' }],
  ['{"ip":"127.0.0.9","country":"N\\"L"}', { ip: '127.0.0.9' }],
  ['{"ip":"127.0.0.9","country":["NL"]}', { ip: '127.0.0.9' }],
  ['{"ip":"127.0.0.9","country_code":"ZZ"}', { ip: '127.0.0.9' }],
  ['["127.0.0.9"]', undefined],
])('parseEgressAnswer(%j) = %j', (text, answer) => {
  expect(parseEgressAnswer(text)).toEqual(answer)
})

describe('egress country (egress_ip.expect_country)', () => {
  let countries: TestApp, nl: TestProxy, us: TestProxy, lying: TestProxy
  beforeAll(async () => {
    nl = await startSocksProxy({ egress: '127.0.0.2' })
    us = await startSocksProxy({ egress: '127.0.0.3' })
    lying = await startSocksProxy({ egress: '127.0.0.4' })
    const loc = 'loc.127.0.0.1=RU&loc.127.0.0.2=nl&loc.127.0.0.3=US&loc.127.0.0.4=%3Cb%3ENL%3C%2Fb%3E'
    countries = await startApp(`
proxies: { nl: "${nl.url}", us: "${us.url}", lying: "${lying.url}" }
egress_ip: { url: "${echo.url(`/ip?format=trace&${loc}`)}", expect_country: [NL, de] }
`)
    await countries.prober.runOnce()
  })
  afterAll(async () => {
    await countries.close()
    await Promise.all([nl, us, lying].map((s) => s.close()))
  })

  it('labels egress_ip_info with the country the IP-echo service named (an ISO code only)', async () => {
    expect(series(await countries.scrape(), 'egress_ip_info').sort()).toEqual([
      'egress_ip_info{via="direct",ip="127.0.0.1",country="RU"} 1',
      'egress_ip_info{via="lying",ip="127.0.0.4"} 1',
      'egress_ip_info{via="nl",ip="127.0.0.2",country="NL"} 1',
      'egress_ip_info{via="us",ip="127.0.0.3",country="US"} 1',
    ])
  })

  it('checks proxies against expect_country: egress_country_expected, absent for direct and without a country', async () => {
    expect(series(await countries.scrape(), 'egress_country_expected').sort()).toEqual([
      'egress_country_expected{via="nl"} 1',
      'egress_country_expected{via="us"} 0',
    ])
  })

  it('shows the country on /api/status and the status page; a wrong one flagged; the last known IP and country while a path is down', async () => {
    const status = await (await fetch(`${countries.base}/api/status`)).json() as { vias: { name: string, egressCountry?: string, countryExpected?: boolean, lastKnown?: object }[] }
    expect(status.vias.find((v) => v.name === 'nl')).toMatchObject({ egressCountry: 'NL', countryExpected: true })
    expect(status.vias.find((v) => v.name === 'us')).toMatchObject({ egressCountry: 'US', countryExpected: false })
    expect(status.vias.find((v) => v.name === 'lying')).not.toHaveProperty('egressCountry')
    const page = await (await fetch(`${countries.base}/`)).text()
    expect(page).toContain('127.0.0.3 <span class="country">US</span> <span class="flag-bad">UNEXPECTED COUNTRY</span>')
    expect(page).not.toContain('<b>NL</b>')

    await nl.close() // the path goes down: its IP and country are what it last said
    await countries.prober.probe(countries.prober.job('egress_ip', 'nl')!)
    const down = await (await fetch(`${countries.base}/api/status`)).json() as typeof status
    expect(down.vias.find((v) => v.name === 'nl')).toMatchObject({ lastKnown: { ip: '127.0.0.2', country: 'NL' } })
    expect(down.vias.find((v) => v.name === 'nl')).not.toHaveProperty('egressCountry')
    expect(await (await fetch(`${countries.base}/`)).text()).toContain('unknown <span class="small">(last: 127.0.0.2 NL)</span>')
    expect(series(await countries.scrape(), 'egress_country_expected')).toEqual(['egress_country_expected{via="us"} 0'])
  })
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
