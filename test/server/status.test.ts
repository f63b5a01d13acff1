/** /api/status and the status page's HTML, from real probes; no secret ever shown. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import type { StatusModel } from '../../src/server/status.js'

let target: TargetServer, socks: TestProxy, connect: TestProxy, app: TestApp

beforeAll(async () => {
  [target, socks, connect] = await Promise.all([startTarget(), startSocksProxy({ auth: { user: 'u', pass: 'pa55-secret' } }), startConnectProxy({ mode: { reply: 502 } })])
  app = await startApp(`
proxies: { socks: "${socks.url}", http: "${connect.url}" }
egress_ip: { url: "${target.url('/ip')}" }
targets:
  - { name: api, url: "${target.url('/v1/models?key=sk-querysecret')}", headers: { Authorization: "Bearer sk-headersecret" } }
`)
  await app.prober.runOnce()
  await app.prober.runOnce()
})
afterAll(async () => {
  await app.close()
  await Promise.all([target, socks, connect].map((s) => s.close()))
})

it('/api/status has a cell per via, the verdict, egress IPs and flags', async () => {
  const s = await (await fetch(`${app.base}/api/status`)).json() as StatusModel
  const api = s.targets.find((t) => t.name === 'api')!
  expect(api.verdict).toBe('proxy_degraded')
  expect(api.url).toBe(`${target.origin}/v1/models`)
  expect(api.cells.map((c) => [c.via, c.state, c.reason ?? null])).toEqual([['direct', 'ok', null], ['socks', 'ok', null], ['http', 'failed', 'proxy_rejected']])
  expect(api.cells[1]!.history).toHaveLength(2)
  const downSince = s.vias.find((v) => v.name === 'http')?.downSince
  expect(Date.parse(downSince ?? '')).toBeGreaterThan(Date.now() - 60_000)
  expect(s.vias).toEqual([
    { name: 'direct', egressIp: '127.0.0.1', uptime1h: 1, uptime24h: 1 },
    { name: 'socks', proxy: `socks5h://xxxxx:xxxxx@127.0.0.1:${socks.port}`, up: true, egressIp: '127.0.0.2', leak: false, uptime1h: 1, uptime24h: 1 },
    // The proxy answers CONNECT with 502: it runs, its upstream does not carry: the tunnel hop.
    { name: 'http', proxy: `http://127.0.0.1:${connect.port}`, up: false, downSince, uptime1h: 0, uptime24h: 0, brokenHop: 'tunnel' },
  ])
  expect(s.summary).toEqual({ paths: 3, down: 1, downSince })
})

it('the page opens with a banner of what is down and since when; proxy_broken and unreachable look different', async () => {
  const s = await (await fetch(`${app.base}/api/status`)).json() as StatusModel
  const html = await (await fetch(`${app.base}/`)).text()
  expect(html).toContain(`<div id="summary" class="banner banner-bad">1 of 3 paths down since ${s.summary.downSince!.slice(11, 16)} UTC</div>`)
  expect(html).toContain('<td>100 % / 100 %</td>')
  expect(html).toMatch(/\.v-proxy_broken\{[^}]*\}\.v-unreachable\{/) // two rules, two looks
  expect(html).toContain('title="some proxies fail, another path works"')
})

it('renders the page with the same content, and never a secret', async () => {
  const res = await fetch(`${app.base}/`)
  expect(res.headers.get('content-type')).toContain('text/html')
  const html = await res.text()
  expect(html).toContain('<meta http-equiv="refresh"')
  expect(html).toContain('proxy_rejected')
  expect(html).toContain('<svg class="spark"')
  expect(html).not.toMatch(/<(script|link)\b/) // no external assets
  for (const secret of ['pa55-secret', 'sk-querysecret', 'sk-headersecret']) {
    expect(html).not.toContain(secret)
    expect(await (await fetch(`${app.base}/api/status`)).text()).not.toContain(secret)
  }
})

it('draws each proxy path\'s chain with the broken hop marked', async () => {
  const html = await (await fetch(`${app.base}/`)).text()
  // http answers CONNECT with 502: it breaks at the tunnel; socks works: nothing marked.
  expect(html).toMatch(/<tr data-via="http">.*<ul class="chain" data-broken="tunnel"><li class="">sidecar<\/li><li class="broken" title="the first hop that fails">tunnel<\/li><li class="after">egress<\/li><li class="after">target<\/li><\/ul>/)
  expect(html).toMatch(/<tr data-via="socks">.*<ul class="chain" data-broken="">/)
})
