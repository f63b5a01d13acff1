/** xray_* metrics against an in-process gRPC server speaking the Xray (or V2Ray) service name. */
import { Writable } from 'node:stream'
import * as grpc from '@grpc/grpc-js'
import { Registry, Gauge } from 'prom-client'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log.js'
import { loadService, StatsClient, type Flavor, type Stat } from '../../src/xray/client.js'
import { MAX_TRAFFIC_SERIES, parseStatName, registerXrayMetrics } from '../../src/xray/metrics.js'
import { closedPort, startRawServer } from '../helpers/net.js'
import { promtoolCheckMetrics, requireTools } from '../helpers/tools.js'

const SYS = { NumGoroutine: 42, NumGC: 7, Alloc: 3_000_000, TotalAlloc: 9_000_000, Sys: 12_000_000, Mallocs: 5000, Frees: 4000, LiveObjects: 1000, PauseTotalNs: 1_500_000, Uptime: 3600 }
const STATS: Stat[] = [
  { name: 'inbound>>>socks-in>>>traffic>>>uplink', value: 1234 },
  { name: 'inbound>>>socks-in>>>traffic>>>downlink', value: 0 }, // zero: omitted on the wire
  { name: 'outbound>>>proxy>>>traffic>>>uplink', value: 99 },
  { name: 'user>>>probe@lab>>>traffic>>>downlink', value: 5 },
]

interface FakeApi { address: string, calls: Record<Flavor, number>, resets: number, stop: () => Promise<void> }

/** A gRPC server implementing `implemented`; the other flavor's name answers UNIMPLEMENTED. */
async function startApi (implemented: Flavor, stats: Stat[] = STATS): Promise<FakeApi> {
  const calls = { xray: 0, v2ray: 0 }
  let resets = 0
  const server = new grpc.Server()
  for (const flavor of ['xray', 'v2ray'] as const) {
    const works = flavor === implemented
    const unimplemented = { code: grpc.status.UNIMPLEMENTED, details: 'unknown service' }
    server.addService(loadService(flavor).service, {
      GetSysStats: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => { calls[flavor]++; if (works) cb(null, SYS); else cb(unimplemented) },
      QueryStats: (c: grpc.ServerUnaryCall<{ reset: boolean }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        if (c.request.reset) resets++
        if (works) cb(null, { stat: stats }); else cb(unimplemented)
      },
      GetStats: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(unimplemented),
    })
  }
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => err ? reject(err) : resolve(p)))
  return { address: `127.0.0.1:${port}`, calls, get resets () { return resets }, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) }
}

function setup (address: string, flavor: Flavor | 'auto' = 'auto', deadlineMs = 1000) {
  const registry = new Registry()
  new Gauge({ name: 'other_metric', help: 'stays', registers: [registry] }).set(1)
  const lines: string[] = []
  const logger = createLogger('info', 'json', new Writable({ write (chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb() } }))
  const client = new StatsClient(address, flavor)
  registerXrayMetrics(registry, client, logger, deadlineMs)
  cleanups.push(() => client.close())
  return { registry, lines, client }
}

const cleanups: (() => unknown)[] = []
afterEach(async () => { await Promise.all(cleanups.splice(0).map((c) => c())) })
afterAll(async () => { await Promise.all(cleanups.map((c) => c())) })

describe('xray stats API', () => {
  it('exports runtime and traffic metrics from the Xray service, zeros included, never resetting', async () => {
    const api = await startApi('xray')
    cleanups.push(api.stop)
    const { registry } = setup(api.address)
    const text = await registry.metrics()
    for (const line of [
      'xray_up 1', 'xray_uptime_seconds 3600', 'xray_goroutines 42', 'xray_memstats_alloc_bytes 3000000',
      'xray_memstats_sys_bytes 12000000', 'xray_memstats_mallocs_total 5000', 'xray_memstats_frees_total 4000',
      'xray_memstats_live_objects 1000', 'xray_memstats_gc_total 7', 'xray_memstats_gc_pause_seconds_total 0.0015',
      'xray_traffic_uplink_bytes_total{dimension="inbound",tag="socks-in"} 1234',
      'xray_traffic_downlink_bytes_total{dimension="inbound",tag="socks-in"} 0',
      'xray_traffic_uplink_bytes_total{dimension="outbound",tag="proxy"} 99',
      'xray_traffic_downlink_bytes_total{dimension="user",tag="probe@lab"} 5',
    ]) expect(text).toContain(line)
    expect(text).toMatch(/xray_scrape_duration_seconds 0\.\d+/)
    expect(api.calls.xray).toBe(1) // one API round per scrape, shared by every xray_ metric
    expect(api.resets).toBe(0)
  })

  it('never dials the API through http_proxy/https_proxy/grpc_proxy from the environment (Docker injects them)', async () => {
    const api = await startApi('xray')
    cleanups.push(api.stop)
    const dead = `http://127.0.0.1:${await closedPort()}`
    const saved = { http_proxy: process.env.http_proxy, https_proxy: process.env.https_proxy, grpc_proxy: process.env.grpc_proxy }
    Object.assign(process.env, { http_proxy: dead, https_proxy: dead, grpc_proxy: dead })
    try {
      const { registry } = setup(api.address)
      expect(await registry.metrics()).toContain('xray_up 1')
    } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
    }
  })

  it('falls back to the V2Ray service name on UNIMPLEMENTED, and remembers', async () => {
    const api = await startApi('v2ray')
    cleanups.push(api.stop)
    const { registry, client } = setup(api.address)
    expect(await registry.metrics()).toContain('xray_up 1')
    expect(client.service).toBe('v2ray.core.app.stats.command.StatsService')
    await registry.metrics()
    expect(api.calls).toEqual({ xray: 1, v2ray: 2 })
  })

  it('API down: xray_up 0 at once, the rest of /metrics intact, one log line per state change', async () => {
    const { registry, lines } = setup(`127.0.0.1:${await closedPort()}`)
    for (let i = 0; i < 3; i++) {
      const text = await registry.metrics()
      expect(text).toContain('xray_up 0')
      expect(text).toContain('other_metric 1')
      expect(text).not.toMatch(/^xray_(uptime_seconds|memstats_mallocs_total|traffic_uplink_bytes_total)[ {]/m)
    }
    expect(lines.filter((l) => l.includes('xray stats API unreachable'))).toHaveLength(1)
  })

  it('API hanging: xray_up 0 after the deadline', async () => {
    const silent = await startRawServer(() => {})
    cleanups.push(silent.close)
    const { registry } = setup(`127.0.0.1:${silent.port}`)
    const started = Date.now()
    expect(await registry.metrics()).toContain('xray_up 0')
    expect(Date.now() - started).toBeLessThan(2500)
  })

  it('passes promtool check metrics', async (ctx) => {
    if (!requireTools('promtool')) { ctx.skip(); return }
    const api = await startApi('xray')
    cleanups.push(api.stop)
    const r = promtoolCheckMetrics(await setup(api.address).registry.metrics())
    expect(r.output).toBe('')
  })
})

it.each([
  ['inbound>>>socks-in>>>traffic>>>uplink', { dimension: 'inbound', tag: 'socks-in', direction: 'uplink' }],
  ['user>>>a>>>b@x>>>traffic>>>downlink', { dimension: 'user', tag: 'a>>>b@x', direction: 'downlink' }],
  ['inbound>>>api>>>other', undefined],
])('parseStatName(%j)', (name, parsed) => {
  expect(parseStatName(name)).toEqual(parsed)
})

describe('a hostile or overgrown stats API', () => {
  it('60,000 stats, 10 KB tags and duplicates: at most 1,000 series, bounded tags, duplicates summed, the rest counted', async () => {
    const stats: Stat[] = [
      ...Array.from({ length: 60_000 }, (_, i) => ({ name: `user>>>u${String(i).padStart(5, '0')}@lab>>>traffic>>>uplink`, value: 1 })),
      { name: `inbound>>>${'x'.repeat(10_000)}>>>traffic>>>uplink`, value: 1 },
      { name: 'inbound>>>a-in>>>traffic>>>uplink', value: 2 },
      { name: 'inbound>>>a-in>>>traffic>>>uplink', value: 3 },
      { name: 'not a traffic counter', value: 9 },
    ]
    const api = await startApi('xray', stats)
    cleanups.push(api.stop)
    // A deadline that leaves room for 60,000 stats on a loaded machine.
    const { registry } = setup(api.address, 'auto', 15_000)
    const text = await registry.metrics()
    const series = text.split('\n').filter((l) => l.startsWith('xray_traffic_'))
    expect(series.length).toBe(MAX_TRAFFIC_SERIES)
    expect(text).toContain('xray_traffic_uplink_bytes_total{dimension="inbound",tag="a-in"} 5')
    expect(Math.max(...series.map((l) => /tag="([^"]*)"/.exec(l)![1]!.length))).toBeLessThanOrEqual(64)
    // 60,000 + 3 traffic names, 60,002 series once merged: 59,002 beyond the cap, and one that is no counter.
    expect(text).toContain('xray_stats_dropped 59003')
    expect(text).toContain('xray_up 1')
  }, 60_000)

  it('an answer over 16 MiB: xray_up 0, and the log names the size', async () => {
    const stats = Array.from({ length: 120_000 }, (_, i) => ({ name: `user>>>${String(i).padStart(150, 'u')}>>>traffic>>>uplink`, value: 1 }))
    const api = await startApi('xray', stats)
    cleanups.push(api.stop)
    const { registry, lines } = setup(api.address, 'auto', 15_000)
    expect(await registry.metrics()).toContain('xray_up 0')
    expect(lines.join('')).toContain('the stats answer is larger than the 16 MiB allowed')
  }, 60_000)
})
