/**
 * The recipe of docs/architecture.md ("Add a probe kind"), checked: a kind with its own YAML
 * keys, /metrics and /probe families, failure reason and TLS scheme, written in this file and
 * registered with one line, and nothing else changed. It must then be configurable, probed
 * through every path, and visible everywhere a user looks: /metrics, /probe, the counters, the
 * config errors and the constant-label guard.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import { commonFields, httpUrl } from '../../src/config/fields.js'
import { labelString } from '../../src/metrics/exposition.js'
import { exchange } from '../../src/probes/exchange.js'
import { inRanges } from '../../src/probes/expect.js'
import { defineKind } from '../../src/probes/kind.js'
import { registerKind } from '../../src/probes/kinds.js'
import { kindReason } from '../../src/probes/reasons.js'
import { toResult } from '../../src/probes/result.js'
import type { ProbeResult } from '../../src/probes/types.js'
import { series, startApp, type TestApp } from '../helpers/app.js'
import { configFrom } from '../helpers/probe.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

// ---- The kind: `kind: quote` reads a number (a price, a queue depth) from an HTTP answer. ----
const quoteSchema = z.strictObject({
  kind: z.literal('quote'),
  url: httpUrl,
  ...commonFields,
  /** The unit of the number, a label of its family. */
  currency: z.string().regex(/^[A-Z]{3}$/),
})
interface QuoteSettings { currency: string }
const NOT_A_NUMBER = kindReason('quote_not_a_number')
const quoteOf = (r: ProbeResult): number | undefined => r.kind === 'quote' ? r.own as number | undefined : undefined

const quote = defineKind({
  schema: quoteSchema,
  build: (raw): QuoteSettings => ({ currency: raw.currency }),
  tlsSchemes: ['https:'],
  blackbox: 'http',
  reasons: { [NOT_A_NUMBER]: 'answer' },
  families: {
    egress_quote_value: { type: 'gauge', labels: ['target', 'via', 'currency'], help: 'The number the latest quote probe read.' },
  },
  probe: async (job, s, deps, signal) => {
    const ex = await exchange(job, { method: 'GET', headers: {}, maxBodyBytes: 64 }, deps, signal)
    if (ex.failure !== undefined) return toResult(job, ex)
    if (!inRanges(ex.statusCode, [{ min: 200, max: 299 }])) return toResult(job, ex, { reason: 'http_status', message: `unexpected status ${ex.statusCode}` })
    const value = /^\s*-?\d+(\.\d+)?\s*$/.test(ex.body.toString('latin1')) ? Number(ex.body.toString('latin1')) : undefined
    if (value === undefined) return toResult(job, ex, { reason: NOT_A_NUMBER, message: 'the answer is not a number' })
    const result = toResult(job, ex)
    result.own = value
    return result
  },
  probeFamilies: (w, r, s) => {
    w.def('egress_quote_value')
    const v = quoteOf(r)
    if (v !== undefined) w.sample('egress_quote_value', labelString([['target', r.target], ['via', r.via], ['currency', s.currency]]), v)
  },
  metrics: (w, pairs) => {
    w.def('egress_quote_value')
    for (const p of pairs) {
      const v = quoteOf(p.result)
      if (v !== undefined) w.sample('egress_quote_value', `${p.labels},${labelString([['currency', p.settings.currency]])}`, v)
    }
  },
})
// ---- The one line. ----
registerKind(quote)

let target: TargetServer, socks: TestProxy, app: TestApp
beforeAll(async () => {
  [target, socks] = await Promise.all([startTarget(), startSocksProxy()])
  app = await startApp(`
proxies: { socks: "${socks.url}" }
targets:
  - { name: price, kind: quote, url: "${target.url('/?body=42.5')}", currency: EUR }
  - { name: broken, kind: quote, url: "${target.url('/?body=nope')}", currency: EUR, via: [direct] }
  - { name: web, url: "${target.url('/')}", via: [direct] }
`)
  await app.prober.runOnce()
})
afterAll(async () => {
  await app.close()
  await Promise.all([target.close(), socks.close()])
})

it('/metrics has its family with its HELP, its value through every path, and its phases', async () => {
  const text = await app.scrape()
  expect(text).toContain('# HELP egress_quote_value The number the latest quote probe read.\n# TYPE egress_quote_value gauge\n')
  expect(series(text, 'egress_quote_value').sort()).toEqual([
    'egress_quote_value{target="price",via="direct",currency="EUR"} 42.5',
    'egress_quote_value{target="price",via="socks",currency="EUR"} 42.5',
  ])
  // http://127.0.0.1: no resolve, no tls; the proxy handshake only through socks.
  const phases = (via: string): string[] => series(text, 'egress_probe_phase_seconds').filter((l) => l.includes(`target="price",via="${via}"`)).map((l) => /phase="(\w+)"/.exec(l)![1]!)
  expect(phases('direct')).toEqual(['connect', 'processing', 'transfer'])
  expect(phases('socks')).toEqual(['connect', 'proxy', 'processing', 'transfer'])
  expect(series(text, 'egress_target_verdict').filter((l) => l.includes('target="price"') && l.endsWith(' 1'))).toEqual(['egress_target_verdict{target="price",verdict="ok"} 1'])
})

it('its own reason is a failure reason like any other: the reason gauge and the counter', async () => {
  const text = await app.scrape()
  expect(series(text, 'egress_probe_failure_reason')).toContain('egress_probe_failure_reason{target="broken",via="direct",reason="quote_not_a_number"} 1')
  expect(series(text, 'egress_probes_total')).toContain('egress_probes_total{target="broken",via="direct",result="quote_not_a_number"} 1')
})

it('/probe answers with blackbox\'s http families and its own', async () => {
  const text = await (await fetch(`${app.base}/probe?target=price&via=socks`)).text()
  expect(text).toMatch(/^probe_success 1$/m)
  expect(text).toMatch(/^probe_http_status_code 200$/m)
  expect(text).toContain('# HELP egress_quote_value The number the latest quote probe read.\n')
  expect(text).toMatch(/^egress_quote_value\{target="price",via="socks",currency="EUR"\} 42.5$/m)
})

it('its YAML is checked like the others, its reason can be named in a classify rule, and its label is reserved', () => {
  expect(() => configFrom('targets: [{ name: q, kind: quote, url: "http://127.0.0.1:1/", currency: euro, colour: red }]'))
    .toThrow(/targets\[0\]\.currency: Invalid string[\s\S]*targets\[0\]: Unrecognized key: "colour"/)
  expect(() => configFrom(`
targets:
  - { name: web, url: "http://127.0.0.1:1/", classify: [{ status: 503, reason: quote_not_a_number }] }`)).not.toThrow()
  expect(() => configFrom('labels: { currency: EUR }\ntargets: [{ name: web, url: "http://127.0.0.1:1/" }]'))
    .toThrow(/labels\.currency: "currency" is a label egress-prober or Prometheus already sets/)
})
