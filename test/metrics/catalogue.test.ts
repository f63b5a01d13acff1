/** One metric catalogue: what /metrics serves, src/metrics/catalogue.ts and the docs agree. */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { allFamilies, familyDef, PROBE_METRICS } from '../../src/metrics/catalogue.js'
// Registers the built-in kinds, whose own families (download's throughput) join the catalogue.
import '../../src/probes/kinds.js'
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
  const wrong = allFamilies().filter(([name]) => !Object.hasOwn(PROBE_METRICS, name)).filter(([name, def]) => {
    const row = docs.get(name)
    return row === undefined || !row.type.startsWith(def.type) || (def.labels.length === 0 ? row.labels !== '–' : !def.labels.every((l) => row.labels.includes(l)))
  }).map(([name]) => name)
  expect(wrong).toEqual([])
})

it('documents no family that is not in the catalogue (no stale rows)', () => {
  const stale = [...documented().keys()].filter((name) => /^(egress|xray)_/.test(name) && familyDef(name) === undefined)
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
  expect(served.filter(([name, type]) => familyDef(name)?.type !== type).map(([name]) => name)).toEqual([])
  for (const [name] of served) expect(text, name).toContain(`# HELP ${name} ${familyDef(name)!.help}`)
})

it('/probe serves only families of the catalogue, with its HELP, TYPE and labels, each named in docs/metrics.md', async () => {
  const section = readFileSync('docs/metrics.md', 'utf8').split('## `/probe`')[1]!.split('\n## ')[0]!
  const seen = new Set<string>()
  for (const [name, via] of [['web', 'direct'], ['web', 'socks'], ['port', 'direct'], ['dl', 'socks'], ['egress_ip', 'socks']] as const) {
    const res = await fetch(`${app.base}/probe?target=${name}&via=${via}`)
    expect(res.status).toBe(200)
    const text = await res.text()
    for (const [, family, type] of text.matchAll(/^# TYPE (\w+) (\w+)$/gm)) {
      seen.add(family!)
      const def = familyDef(family!)
      expect(def?.type, family).toBe(type)
      expect(text, family).toContain(`# HELP ${family} ${def!.help}\n`)
      for (const [, labels] of text.matchAll(new RegExp(`^${family}\\{([^}]*)\\}`, 'gm'))) {
        const names = [...labels!.matchAll(/(\w+)="/g)].map((m) => m[1])
        expect(names.every((l) => def!.labels.includes(l!)), `${family}{${labels}}`).toBe(true)
      }
    }
  }
  expect(seen.size).toBeGreaterThan(15)
  expect([...seen, ...Object.keys(PROBE_METRICS)].filter((family) => !section.includes(`\`${family}`))).toEqual([])
})
