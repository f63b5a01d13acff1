/** labels: constant labels (a vantage point's region) on every series /metrics serves. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { configFrom } from '../helpers/probe.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let target: TargetServer, socks: TestProxy, app: TestApp
const yaml = (labels: string): string => `
labels: ${labels}
proxies: { socks: "${socks.url}" }
egress_ip: { url: "${target.url('/ip')}" }
targets: [{ name: web, url: "${target.url('/')}" }]
`

beforeAll(async () => {
  [target, socks] = await Promise.all([startTarget(), startSocksProxy()])
  app = await startApp(yaml('{ region: eu-west, cluster: "a \\"quoted\\" $1 one" }'))
  await app.prober.runOnce()
})
afterAll(async () => {
  await app.close()
  await Promise.all([target, socks].map((s) => s.close()))
})

const samples = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

it('puts the labels first on every sample line, egress_* and prom-client\'s alike, escaped', async () => {
  const lines = samples(await app.scrape())
  expect(lines.length).toBeGreaterThan(50)
  const prefix = 'region="eu-west",cluster="a \\"quoted\\" $1 one"'
  const without = lines.filter((l) => !l.includes(prefix))
  expect(without).toEqual([])
  expect(lines).toContain(`egress_probe_success{${prefix},target="web",via="socks"} 1`)
  expect(lines).toContain(`egress_proxy_up{${prefix},via="socks"} 1`)
  expect(lines.some((l) => l.startsWith(`egress_ip_info{${prefix},via="socks",ip="127.0.0.2"}`))).toBe(true)
  expect(lines.some((l) => l.startsWith('process_cpu_user_seconds_total{') && l.includes(prefix))).toBe(true)
})

it('a reload changes them, and a config without labels has none', async () => {
  app.prober.reload(configFrom(yaml('{ region: us-east }')))
  let lines = samples(await app.scrape())
  expect(lines.filter((l) => !l.includes('region="us-east"'))).toEqual([])
  expect(lines.filter((l) => l.includes('eu-west'))).toEqual([])
  app.prober.reload(configFrom(yaml('{}')))
  lines = samples(await app.scrape())
  expect(lines.filter((l) => l.includes('region='))).toEqual([])
})

it('refuses label names that are invalid or already used, naming each', () => {
  expect(() => configFrom(`
labels: { "9x": a, target: b, __meta: c, instance: d, ok_name: "" }
targets: [{ name: web, url: "http://127.0.0.1:1/" }]
`)).toThrow(/labels\.ok_name: Too small[\s\S]*labels\.9x: "9x" is not a valid label name[\s\S]*labels\.target: "target" is a label egress-prober or Prometheus already sets[\s\S]*labels\.__meta: [\s\S]*labels\.instance: /)
})

it('no constant label can collide with a label any family of /metrics uses: every one is reserved', async () => {
  const RESERVED_LABELS = (await import('../../src/config/fields.js')).reservedLabels()
  // Every label name on a live /metrics (this app's, and prom-client's defaults), but the constant ones.
  const used = new Set(samples(await app.scrape()).flatMap((l) => [...(/\{(.*)\}/.exec(l)?.[1] ?? '').matchAll(/(?:^|,)([a-zA-Z_]\w*)="/g)].map((m) => m[1]!)))
  for (const constant of ['region', 'cluster']) used.delete(constant)
  expect([...used].filter((name) => !RESERVED_LABELS.has(name))).toEqual([])
  // prom-client's default metrics, whatever this Node reports (their labels are not all on this scrape).
  const { createRegistry } = await import('../../src/metrics/registry.js')
  const defaults = (await createRegistry().getMetricsAsJSON()).flatMap((m) => (m as { values: { labels: Record<string, unknown> }[] }).values.flatMap((v) => Object.keys(v.labels)))
  expect(defaults.filter((name) => !RESERVED_LABELS.has(name))).toEqual([])
  expect(() => configFrom(yaml('{ type: x }'))).toThrow(/labels\.type: "type" is a label egress-prober or Prometheus already sets/)
})
