/**
 * End to end against Debian's real v2ray (VLESS over TLS): the built CLI probes loopback targets
 * through the real SOCKS5 and HTTP inbounds while we break the chain in the ways it breaks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningCli } from '../helpers/cli.js'
import { startRawServer } from '../helpers/net.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { promtoolCheckMetrics, requireTools } from '../helpers/tools.js'
import { hasAll, waitFor } from '../helpers/wait.js'
import { startChain, type Chain } from './chain.js'
import { LAB_USER, type V2rayLab } from './v2ray-lab.js'

const enabled = requireTools('v2ray')
// v2ray retries a dead upstream for ~2 s before closing, so the timeout must exceed that.
const INTERVAL_S = 5
const TIMEOUT_S = 4

describe.skipIf(!enabled)('VLESS chain (real v2ray)', () => {
  let chain: Chain, lab: V2rayLab, cli: RunningCli
  let banner: Awaited<ReturnType<typeof startRawServer>>, bulk: TargetServer
  const bannerPeers: string[] = []
  const metrics = async (): Promise<string> => await chain.metrics()
  const waitMetrics = async (what: string, ...lines: string[]): Promise<string> =>
    await waitFor(metrics, hasAll(...lines), (INTERVAL_S + TIMEOUT_S + 3) * 1000, what)

  beforeAll(async () => {
    // An SSH-like server that speaks first, and a bulk download, for the tcp and download kinds.
    banner = await startRawServer((s) => { bannerPeers.push(s.remoteAddress ?? ''); s.write('SSH-2.0-lab\r\n') })
    bulk = await startTarget()
    chain = await startChain({
      defaults: `{ interval: ${INTERVAL_S}s, timeout: ${TIMEOUT_S}s }`,
      authInbounds: true,
      extraTargets: `  - { name: ssh, kind: tcp, url: "tcp://127.0.0.1:${banner.port}", via: [direct, socks, http], expect: { banner: "^SSH-2\\\\.0-" } }
  - { name: bulk, kind: download, url: "${bulk.url('/?size=1000000')}", via: [direct, socks, http], max_bytes: 262144 }`,
    })
    ;({ lab, cli } = chain)
  }, 30_000)

  afterAll(async () => {
    // Clean up everything first, then assert: a failed assertion must not leave processes behind.
    const code = await chain?.close()
    await Promise.all([banner?.close(), bulk?.close()])
    expect(code).toBe(0)
    expect(lab.pids()).toEqual([])
  })

  it('healthy chain: direct egress 127.0.0.1, proxies egress 127.0.0.2, no leak, verdict ok', async () => {
    const text = await waitMetrics('a healthy round',
      'egress_ip_info{via="direct",ip="127.0.0.1"} 1',
      'egress_ip_info{via="socks",ip="127.0.0.2"} 1',
      'egress_ip_info{via="http",ip="127.0.0.2"} 1',
      'egress_target_verdict{target="web",verdict="ok"} 1',
      'egress_target_verdict{target="web_tls",verdict="ok"} 1')
    expect(text).toContain('egress_ip_leak{via="socks"} 0')
    expect(text).toContain('egress_ip_leak{via="http"} 0')
    expect(text).toContain('egress_proxy_up{via="socks"} 1')
    expect(text).toContain('egress_proxy_up{via="http"} 1')
    expect(text).toMatch(/egress_probe_phase_seconds\{target="web_tls",via="socks",phase="proxy"\} 0\.\d+/)
  })

  it('tcp and download probes go through the real chain: banner matched, throughput on every path', async () => {
    const text = await waitMetrics('tcp and download rounds',
      'egress_probe_success{target="ssh",via="direct"} 1',
      'egress_probe_success{target="ssh",via="socks"} 1',
      'egress_probe_success{target="ssh",via="http"} 1',
      'egress_probe_success{target="bulk",via="socks"} 1',
      'egress_probe_success{target="bulk",via="http"} 1')
    for (const via of ['direct', 'socks', 'http']) {
      expect(text, via).toMatch(new RegExp(`egress_probe_throughput_bytes_per_second\\{target="bulk",via="${via}"\\} \\d`))
    }
    expect(text).toMatch(/egress_probe_phase_seconds\{target="ssh",via="socks",phase="proxy"\} 0\.\d+/)
    // Through the tunnel the banner server sees the VLESS server's egress, never this host's own.
    expect(new Set(bannerPeers)).toEqual(new Set(['127.0.0.1', '127.0.0.2']))
  })

  it('stats API: every xray_ metric with plausible values; traffic counters grow with each inbound', async () => {
    const value = (text: string, series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN')
    const inbounds = ['socks-in', 'http-in', 'socks-auth-in', 'http-auth-in']
    const traffic = (text: string): number[] => inbounds.flatMap((tag) => ['uplink', 'downlink'].map((d) =>
      value(text, `xray_traffic_${d}_bytes_total{dimension="inbound",tag="${tag}"}`)))
    const first = await waitFor(metrics, (t) => traffic(t).every((v) => v > 0), (INTERVAL_S + TIMEOUT_S + 3) * 1000, 'traffic on every inbound')
    expect(value(first, 'xray_up')).toBe(1)
    expect(value(first, 'xray_uptime_seconds')).toBeGreaterThanOrEqual(0)
    expect(value(first, 'xray_uptime_seconds')).toBeLessThan(600)
    expect(value(first, 'xray_goroutines')).toBeGreaterThan(5)
    expect(value(first, 'xray_memstats_alloc_bytes')).toBeGreaterThan(100_000)
    expect(value(first, 'xray_memstats_sys_bytes')).toBeGreaterThan(value(first, 'xray_memstats_alloc_bytes'))
    expect(value(first, 'xray_memstats_mallocs_total')).toBeGreaterThan(value(first, 'xray_memstats_frees_total'))
    expect(value(first, 'xray_memstats_live_objects')).toBeGreaterThan(0)
    // A fresh Go process may not have collected yet: a whole count, present (NaN when absent).
    expect(Number.isInteger(value(first, 'xray_memstats_gc_total'))).toBe(true)
    expect(value(first, 'xray_memstats_gc_pause_seconds_total')).toBeLessThan(10)
    expect(value(first, 'xray_scrape_duration_seconds')).toBeLessThan(2)
    expect(value(first, 'xray_traffic_uplink_bytes_total{dimension="outbound",tag="proxy"}')).toBeGreaterThan(0)
    const before = traffic(first)
    const later = await waitFor(metrics, (t) => traffic(t).every((v, i) => v > before[i]!), (INTERVAL_S + TIMEOUT_S + 3) * 1000, 'traffic counters to grow')
    expect(traffic(later).every((v, i) => v > before[i]!)).toBe(true)
    // Time passed between the scrapes: the sidecar's uptime and counters moved forward, not back.
    expect(value(later, 'xray_uptime_seconds')).toBeGreaterThan(value(first, 'xray_uptime_seconds'))
    expect(value(later, 'xray_memstats_gc_total')).toBeGreaterThanOrEqual(value(first, 'xray_memstats_gc_total'))
  })

  it('passes promtool check metrics on the live /metrics', async (ctx) => {
    if (!requireTools('promtool')) { ctx.skip(); return }
    const r = promtoolCheckMetrics(await metrics())
    expect(r.output).toBe('')
    expect(r.status).toBe(0)
  })

  it('authenticated inbounds work with credentials and fail with proxy_auth without', async () => {
    const text = await waitMetrics('the auth round',
      'egress_probe_success{target="auth",via="socks_auth"} 1',
      'egress_probe_success{target="auth",via="http_auth"} 1',
      'egress_probe_failure_reason{target="auth",via="socks_nocreds",reason="proxy_auth"} 1',
      'egress_probe_failure_reason{target="auth",via="http_nocreds",reason="proxy_auth"} 1')
    expect(cli.logs()).not.toContain(LAB_USER.pass)
    expect(text).not.toContain(LAB_USER.pass)
  })

  it('server killed, client alive: tunnel_broken through both proxies, verdict proxy_broken', async () => {
    await lab.stopServer()
    const text = await waitMetrics('tunnel_broken everywhere',
      'egress_probe_failure_reason{target="web_tls",via="socks",reason="tunnel_broken"} 1',
      'egress_probe_failure_reason{target="web_tls",via="http",reason="tunnel_broken"} 1',
      'egress_probe_failure_reason{target="web",via="socks",reason="tunnel_broken"} 1',
      // Plain HTTP goes through the HTTP proxy with CONNECT too: v2ray answers 200, then closes.
      'egress_probe_failure_reason{target="web",via="http",reason="tunnel_broken"} 1',
      // The banner never comes: the tunnel closes after the grant, as for HTTP.
      'egress_probe_failure_reason{target="ssh",via="socks",reason="tunnel_broken"} 1',
      'egress_target_verdict{target="web_tls",verdict="proxy_broken"} 1',
      'egress_proxy_up{via="socks"} 0',
      'egress_proxy_up{via="http"} 0')
    expect(text).toContain('egress_probe_success{target="web_tls",via="direct"} 1')
  })

  it('restart: everything back to success within one interval', async () => {
    await lab.startServer()
    const started = Date.now()
    await waitMetrics('recovery',
      'egress_target_verdict{target="web",verdict="ok"} 1',
      'egress_target_verdict{target="web_tls",verdict="ok"} 1',
      'egress_proxy_up{via="socks"} 1')
    expect(Date.now() - started).toBeLessThan((INTERVAL_S + TIMEOUT_S + 1) * 1000)
  })

  it('server hung (TCP accepted, TLS never completes): timeout at the configured deadline', async () => {
    await lab.hangServer()
    const text = await waitMetrics('timeouts',
      'egress_probe_failure_reason{target="web_tls",via="socks",reason="timeout"} 1',
      'egress_probe_failure_reason{target="web_tls",via="http",reason="timeout"} 1')
    const tls = /egress_probe_phase_seconds\{target="web_tls",via="socks",phase="tls"\} ([\d.]+)/.exec(text)
    // The deadline (4 s), not v2ray's 300 s connection idle timeout, ends the probe.
    expect(Number(tls?.[1])).toBeGreaterThan(TIMEOUT_S - 1)
    expect(Number(tls?.[1])).toBeLessThan(TIMEOUT_S + 0.5)
    await lab.unhangServer()
    await lab.startServer()
  })

  it('client killed: proxy_refused on both proxies, egress_proxy_up 0 within interval + timeout + 1 s', async () => {
    await waitMetrics('recovery after the hang', 'egress_proxy_up{via="socks"} 1', 'egress_proxy_up{via="http"} 1')
    await lab.stopClient()
    const killed = Date.now()
    await waitMetrics('egress_proxy_up 0', 'egress_proxy_up{via="socks"} 0', 'egress_proxy_up{via="http"} 0')
    const detection = (Date.now() - killed) / 1000
    console.log(`detection: client killed → egress_proxy_up 0 on /metrics after ${detection.toFixed(1)} s`)
    expect(detection).toBeLessThan(INTERVAL_S + TIMEOUT_S + 1)
    const text = await waitMetrics('proxy_refused',
      'egress_probe_failure_reason{target="web",via="socks",reason="proxy_refused"} 1',
      'egress_probe_failure_reason{target="web",via="http",reason="proxy_refused"} 1',
      'egress_target_verdict{target="web",verdict="proxy_broken"} 1')
    expect(text).toContain('egress_probe_success{target="web",via="direct"} 1')
  })

  it('client restarted: back to ok', async () => {
    await lab.startClient()
    await waitMetrics('recovery after the client restart',
      'egress_target_verdict{target="web",verdict="ok"} 1',
      'egress_target_verdict{target="web_tls",verdict="ok"} 1')
  })
})
