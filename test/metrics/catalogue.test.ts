/** One metric catalogue: what /metrics serves, src/metrics/catalogue.ts and the docs agree. */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { METRICS, type MetricDef } from '../../src/metrics/catalogue.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { startRawServer } from '../helpers/net.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

/** Rows `| \`name\` | type | labels | meaning |` of the docs. */
function documented (): Map<string, { type: string, labels: string }> {
  const out = new Map<string, { type: string, labels: string }>()
  for (const file of ['docs/metrics.md', 'docs/sidecar.md']) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|/gm)) out.set(m[1]!, { type: m[2]!.trim(), labels: m[3]!.trim() })
  }
  return out
}

it('documents every family of the catalogue with its type and labels', () => {
  const docs = documented()
  const wrong = Object.entries(METRICS as Record<string, MetricDef>).filter(([name, def]) => {
    const row = docs.get(name)
    return row === undefined || !row.type.startsWith(def.type) || (def.labels.length === 0 ? row.labels !== '–' : !def.labels.every((l) => row.labels.includes(l)))
  }).map(([name]) => name)
  expect(wrong).toEqual([])
})

it('documents no family that is not in the catalogue (no stale rows)', () => {
  const catalogue = METRICS as Record<string, MetricDef>
  const stale = [...documented().keys()].filter((name) => /^(egress|xray)_/.test(name) && catalogue[name] === undefined)
  expect(stale).toEqual([])
})

let target: TargetServer, socks: TestProxy, banner: Awaited<ReturnType<typeof startRawServer>>, app: TestApp
beforeAll(async () => {
  [target, socks, banner] = await Promise.all([startTarget(), startSocksProxy(), startRawServer((s) => { s.write('hi\r\n') })])
  app = await startApp(`
proxies: { socks: "${socks.url}" }
egress_ip: { url: "${target.url('/ip')}", expect: [127.0.0.2/32], expect_country: [NL] }
targets:
  - { name: web, url: "${target.url('/')}" }
  - { name: port, kind: tcp, url: "tcp://127.0.0.1:${banner.port}", expect: { banner: "hi" } }
  - { name: dl, kind: download, url: "${target.url('/?size=10000')}", min_bytes_per_second: 1, min_ratio_to_direct: 0.1 }
`)
})
afterAll(async () => {
  await app.close()
  await Promise.all([target, socks, banner].map((s) => s.close()))
})

it('serves no egress_ family outside the catalogue, each with the catalogue\'s HELP and TYPE', async () => {
  await app.prober.runOnce()
  const text = await app.scrape()
  const served = [...text.matchAll(/^# TYPE (egress_[a-z_]+) (\w+)$/gm)].map((m) => [m[1]!, m[2]!] as const)
  expect(served.length).toBeGreaterThan(20)
  const catalogue = METRICS as Record<string, MetricDef>
  expect(served.filter(([name, type]) => catalogue[name]?.type !== type).map(([name]) => name)).toEqual([])
  for (const [name] of served) expect(text, name).toContain(`# HELP ${name} ${catalogue[name]!.help}`)
})
