/** /metrics after a round of real probes: every metric name, its labels, and promtool's lint. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log.js'
import { createRegistry } from '../../src/metrics/registry.js'
import { Prober } from '../../src/prober.js'
import { createServer } from '../../src/server/app.js'
import { configFrom, testLookup } from '../helpers/probe.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { promtoolCheckMetrics, requireTools } from '../helpers/tools.js'

let target: TargetServer, socks: TestProxy, connect: TestProxy, server: Server, base: string, prober: Prober

beforeAll(async () => {
  [target, socks, connect] = await Promise.all([startTarget(), startSocksProxy(), startConnectProxy({ mode: { reply: 403 } })])
  const config = configFrom(`
proxies: { socks: "${socks.url}", http: "${connect.url}" }
egress_ip: { url: "${target.url('/ip')}" }
targets:
  - { name: api, url: "${target.url('/')}" }
  - { name: broken, url: "${target.url('/?status=500')}", via: [direct] }
`)
  const registry = createRegistry()
  prober = new Prober(config, { logger: createLogger('silent'), registry, lookup: testLookup() })
  await prober.runOnce()
  server = createServer({ prober, registry, logger: createLogger('silent'), isReady: () => true }).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await prober.stop(100)
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await Promise.all([target, socks, connect].map((s) => s.close()))
})

const scrape = async (): Promise<string> => {
  const res = await fetch(`${base}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/plain')
  return res.text()
}

describe('/metrics', () => {
  it.each([
    'egress_probe_success{target="api",via="socks"} 1',
    'egress_probe_success{target="api",via="http"} 0',
    'egress_probe_success{target="broken",via="direct"} 0',
    'egress_probe_duration_seconds_count{via="direct"} 2', // api and egress_ip: one histogram per via
    'egress_probe_phase_seconds{target="api",via="http",phase="transfer"} 0',
    'egress_probes_total{target="api",via="direct",result="success"} 1',
    'egress_probes_total{target="api",via="http",result="proxy_rejected"} 1',
    'egress_probe_failure_reason{target="broken",via="direct",reason="http_status"} 1',
    'egress_probe_status_code{target="broken",via="direct"} 500',
    'egress_probe_status_code{target="api",via="http"} 0',
    'egress_probe_interval_seconds{target="api",via="direct"} 15',
    'egress_ip_info{via="direct",ip="127.0.0.1"} 1',
    'egress_ip_info{via="socks",ip="127.0.0.2"} 1',
    'egress_proxy_up{via="socks"} 1',
    'egress_proxy_up{via="http"} 0',
    'egress_ip_leak{via="socks"} 0',
    'egress_target_verdict{target="api",verdict="proxy_degraded"} 1',
    'egress_target_verdict{target="api",verdict="ok"} 0',
    'egress_prober_build_info{version="',
    'process_cpu_seconds_total ',
    'nodejs_eventloop_lag_seconds ',
  ])('shows %s', async (line) => {
    expect(await scrape()).toContain(line)
  })

  it('has the phases each pair can go through (no series stuck at 0), and last-run timestamps', async () => {
    const text = await scrape()
    const phasesOf = (target: string, via: string): string[] =>
      [...text.matchAll(new RegExp(`^egress_probe_phase_seconds\\{target="${target}",via="${via}",phase="(\\w+)"\\} `, 'gm'))].map((m) => m[1]!)
    // Plain HTTP to an IP address: nothing to resolve, no TLS; through a proxy, its handshake.
    expect(phasesOf('api', 'direct')).toEqual(['connect', 'processing', 'transfer'])
    expect(phasesOf('api', 'socks')).toEqual(['connect', 'proxy', 'processing', 'transfer'])
    expect(text).toMatch(/egress_probe_phase_seconds\{target="api",via="socks",phase="proxy"\} 0\.\d+/)
    expect(text).toMatch(/egress_probe_last_run_timestamp_seconds\{target="api",via="direct"\} 1\d{9}\.\d+/)
    expect(text).toContain('# TYPE egress_probe_skipped_total counter')
    expect(text).toMatch(/egress_probe_start_delay_seconds_count \d+/)
    expect(text).not.toContain('egress_probe_failure_reason{target="api",via="direct"')
    expect(text).not.toMatch(/nodejs_active_(handles|requests|resources)_total/)
  })

  it('passes promtool check metrics', async (ctx) => {
    if (!requireTools('promtool')) { ctx.skip(); return }
    const r = promtoolCheckMetrics(await scrape())
    expect(r.output).toBe('')
    expect(r.status).toBe(0)
  })
})

describe('health endpoints', () => {
  it('answers /-/healthy, /-/ready and a landing page linking them', async () => {
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200)
    expect((await fetch(`${base}/-/ready`)).status).toBe(200)
    const page = await (await fetch(`${base}/`)).text()
    expect(page).toContain('href="metrics"')
    expect(page).toContain('href="-/ready"')
  })
})

describe('/metrics size', () => {
  it('answers gzip when Prometheus asks for it (Accept-Encoding: gzip), the same text inside', async () => {
    const { gunzipSync } = await import('node:zlib')
    const { request } = await import('node:http')
    const raw = await new Promise<{ headers: import('node:http').IncomingHttpHeaders, body: Buffer }>((resolve, reject) => {
      request(`${base}/metrics`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
      }).on('error', reject).end()
    })
    expect(raw.headers['content-encoding']).toBe('gzip')
    const text = gunzipSync(raw.body).toString()
    expect(text).toContain('egress_probe_success{target="api",via="socks"} 1')
    expect(raw.body.length).toBeLessThan(text.length / 3)
  })

  it('one duration histogram per via by default; per target and via with metrics.per_target_histogram', async () => {
    const perTarget = new Prober(configFrom(`metrics: { per_target_histogram: true }\ntargets: [{ name: api, url: "${target.url('/')}", via: [direct] }]`),
      { logger: createLogger('silent'), registry: createRegistry(), lookup: testLookup() })
    await perTarget.runOnce()
    expect(perTarget.metrics.render()).toContain('egress_probe_duration_seconds_count{target="api",via="direct"} 1')
    expect((await scrape()).match(/^egress_probe_duration_seconds_count\{[^}]*\}/gm)?.sort()).toEqual([
      'egress_probe_duration_seconds_count{via="direct"}', 'egress_probe_duration_seconds_count{via="socks"}',
    ])
  })
})
