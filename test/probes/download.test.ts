/** kind: download through every path: bytes up to max_bytes, the body's rate, the deadline, /metrics and /probe. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { series, startApp } from '../helpers/app.js'
import { ratedOf } from '../../src/probes/download.js'
import { probeAll } from '../helpers/probe.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let target: TargetServer, socks: TestProxy, connect: TestProxy
const VIAS = ['direct', 'socks', 'http']

beforeAll(async () => {
  [target, socks, connect] = await Promise.all([startTarget(), startSocksProxy(), startConnectProxy()])
})
afterAll(async () => { await Promise.all([target, socks, connect].map((s) => s.close())) })

const config = (targets: string): string => `
proxies: { socks: "${socks.url}", http: "${connect.url}" }
targets:
${targets}
`

describe('kind: download through direct, SOCKS5 and HTTP CONNECT', () => {
  it('reads the whole body when it is smaller than max_bytes, and stops at max_bytes otherwise', async () => {
    const r = await probeAll(config(`
  - { name: small, kind: download, url: "${target.url('/?size=300000')}", timeout: 5s }
  - { name: big, kind: download, url: "${target.url('/?size=2000000')}", timeout: 5s, max_bytes: 262144 }`))
    for (const via of VIAS) {
      expect(r[`small/${via}`], via).toMatchObject({ success: true, kind: 'download', bodyBytes: 300_000 })
      expect(r[`big/${via}`], via).toMatchObject({ success: true, bodyBytes: 262_144 })
      expect(r[`big/${via}`]!.message, via).toMatch(/^262144 bytes at [\d.]+ [kM]B\/s$/)
      expect(ratedOf(r[`big/${via}`]!)!.bytesPerSecond, via).toBeGreaterThan(0)
    }
  })

  it('measures the rate of a slow body (100 kB/s through every path)', async () => {
    const r = await probeAll(config(`  - { name: slow, kind: download, url: "${target.url('/?size=200000&rate=100000')}", timeout: 10s }`))
    for (const via of VIAS) {
      const bps = ratedOf(r[`slow/${via}`]!)!.bytesPerSecond
      // Never faster than the server sends (plus its first chunk, sent at once); slower only on a busy machine.
      expect(bps, via).toBeLessThan(130_000)
      expect(bps, via).toBeGreaterThan(30_000)
    }
  })

  it('a download cut by the deadline fails with timeout and still reports the rate it reached', async () => {
    const r = await probeAll(config(`  - { name: crawl, kind: download, url: "${target.url('/?size=1000000&rate=50000')}", timeout: 1s }`))
    for (const via of VIAS) {
      const t = r[`crawl/${via}`]!
      expect(t, via).toMatchObject({ success: false, reason: 'timeout' })
      expect(ratedOf(t)!.bytesPerSecond, via).toBeLessThan(80_000)
      expect(ratedOf(t)!.bytesPerSecond, via).toBeGreaterThan(10_000)
    }
  })

  it('an unexpected status fails with http_status', async () => {
    const r = await probeAll(config(`  - { name: gone, kind: download, url: "${target.url('/?status=404')}", via: [direct], timeout: 5s }`))
    expect(r['gone/direct']).toMatchObject({ success: false, reason: 'http_status', statusCode: 404 })
  })

  it('exports the rate per pair and the configured limits per target; /probe answers for the kind', async () => {
    const app = await startApp(config(`  - { name: dl, kind: download, url: "${target.url('/?size=100000')}", timeout: 5s, min_bytes_per_second: 50000, min_ratio_to_direct: 0.25 }`))
    try {
      await app.prober.runOnce()
      const text = await app.scrape()
      expect(series(text, 'egress_probe_throughput_bytes_per_second').map((l) => l.replace(/ \S+$/, '')).sort()).toEqual(
        VIAS.map((via) => `egress_probe_throughput_bytes_per_second{target="dl",via="${via}"}`).sort())
      expect(series(text, 'egress_probe_throughput_floor_bytes_per_second')).toEqual(['egress_probe_throughput_floor_bytes_per_second{target="dl"} 50000'])
      expect(series(text, 'egress_probe_throughput_min_ratio')).toEqual(['egress_probe_throughput_min_ratio{target="dl"} 0.25'])
      const probe = await (await fetch(`${app.base}/probe?target=dl&via=socks`)).text()
      expect(probe).toContain('probe_success 1')
      expect(probe).toContain('probe_http_content_length 100000')
      expect(probe).toMatch(/^egress_probe_throughput_bytes_per_second \d/m)
    } finally { await app.close() }
  })
})
