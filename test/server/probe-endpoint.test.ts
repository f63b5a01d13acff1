/** GET /probe: blackbox_exporter's names for configured targets only. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let target: TargetServer, socks: TestProxy, app: TestApp

beforeAll(async () => {
  [target, socks] = await Promise.all([startTarget(), startSocksProxy()])
  app = await startApp(`
proxies: { socks: "${socks.url}" }
egress_ip: { url: "${target.url('/ip')}" }
targets:
  - { name: api, url: "${target.url('/?delay=200')}", timeout: 5s, interval: 10s }
`)
})
afterAll(async () => {
  await app.close()
  await Promise.all([target, socks].map((s) => s.close()))
})

it('runs a configured probe and answers with blackbox names plus ours', async () => {
  const res = await fetch(`${app.base}/probe?target=api&via=socks`)
  expect(res.status).toBe(200)
  const text = await res.text()
  expect(text).toContain('probe_success 1')
  expect(text).toMatch(/probe_duration_seconds 0\.\d+/)
  expect(text).toMatch(/probe_http_duration_seconds\{phase="proxy"\} 0\.\d+/)
  // The target holds its answer 200 ms; the upper bound leaves room for a loaded machine.
  const processing = Number(/probe_http_duration_seconds\{phase="processing"\} (\S+)/.exec(text)?.[1])
  expect(processing).toBeGreaterThanOrEqual(0.19)
  expect(processing).toBeLessThan(1.5)
  expect(text).toContain('probe_http_status_code 200')
  expect(text).toContain('probe_http_content_length 3')
  expect(text).toContain('# TYPE egress_probe_failure_reason gauge')
  const ip = await (await fetch(`${app.base}/probe?target=egress_ip&via=socks`)).text()
  expect(ip).toContain('egress_ip_info{via="socks",ip="127.0.0.2"} 1')
})

it('honours X-Prometheus-Scrape-Timeout-Seconds minus 0.5 s', async () => {
  const started = Date.now()
  const res = await fetch(`${app.base}/probe?target=api&via=direct`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '0.6' } })
  const text = await res.text()
  expect(text).toContain('probe_success 0')
  expect(text).toContain('egress_probe_failure_reason{target="api",via="direct",reason="timeout"} 1')
  expect(Date.now() - started).toBeLessThan(3000) // a 100 ms deadline, not the target's 5 s; room for load
})

it('returns the probe log with debug=true', async () => {
  const text = await (await fetch(`${app.base}/probe?target=api&via=direct&debug=true`)).text()
  expect(text).toContain('Logs for the probe:')
  expect(text).toContain('probe succeeded')
  expect(text).toContain('probe_success 1')
})

it('refuses targets that are not configured, without connecting anywhere', async () => {
  const before = target.hits.length
  const viaProxy = socks.requests.length
  const res = await fetch(`${app.base}/probe?target=${encodeURIComponent(target.url('/'))}`)
  expect(res.status).toBe(400)
  expect(await res.text()).toContain('configured targets: egress_ip, api')
  const via = await fetch(`${app.base}/probe?target=api&via=nope`)
  expect(via.status).toBe(400)
  expect(await via.text()).toContain('its vias: direct, socks')
  expect(target.hits.length).toBe(before)
  expect(socks.requests.length).toBe(viaProxy)
})
