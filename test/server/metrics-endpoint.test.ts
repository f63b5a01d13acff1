/** /metrics at thousands of pairs: written in chunks, the same text as in one piece; a scraper that hangs up harms nothing. */
import type { Server } from 'node:http'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log.js'
import { createRegistry } from '../../src/metrics/registry.js'
import { Prober } from '../../src/prober.js'
import { createServer } from '../../src/server/app.js'
import { PHASES } from '../../src/transport/trace.js'
import { configFrom } from '../helpers/probe.js'

const TARGETS = 3000
let server: Server, base: string, prober: Prober

beforeAll(async () => {
  // Results put in the store directly: no probe runs (nothing listens on these ports).
  const targets = Array.from({ length: TARGETS }, (_, i) => `  - { name: t${i}, url: "http://127.0.0.1:1/${i}" }`)
  const registry = createRegistry()
  prober = new Prober(configFrom(`proxies: { socks: "socks5://127.0.0.1:2" }\ntargets:\n${targets.join('\n')}\n`), { logger: createLogger('silent'), registry })
  const phases = Object.fromEntries(PHASES.map((p) => [p, 0.001])) as Record<(typeof PHASES)[number], number>
  for (let i = 0; i < TARGETS; i++) {
    for (const via of ['direct', 'socks']) {
      const r = { target: `t${i}`, via, kind: 'http' as const, success: true, message: 'status 200', phases, durationSeconds: 0.01, statusCode: 200, bodyBytes: 3, startedAt: Date.now() }
      prober.store.add(r)
      prober.metrics.record(r, 'schedule')
    }
  }
  server = createServer({ prober, registry, logger: createLogger('silent'), isReady: () => true }).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const get = async (gzip: boolean): Promise<string> => await new Promise((resolve, reject) => {
  request(`${base}/metrics`, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const body = Buffer.concat(chunks)
      resolve((res.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString())
    })
  }).on('error', reject).end()
})

describe('/metrics in chunks', () => {
  it('is the whole exposition, plain and gzip, every pair in it', async () => {
    const whole = prober.metrics.render()
    expect(whole.length).toBeGreaterThan(1_000_000)
    for (const gzip of [false, true]) {
      const text = await get(gzip)
      expect(text.startsWith(whole)).toBe(true)
      expect(text.match(/^egress_probe_success\{/gm)).toHaveLength(TARGETS * 2)
      expect(text).toContain('# TYPE process_cpu_seconds_total counter')
    }
  })

  it('a scraper that hangs up after the first bytes leaves the server whole: the next scrape is complete', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}/metrics`, (res) => { res.once('data', () => { req.destroy(); resolve() }) })
      req.on('error', (err) => { if (!req.destroyed) reject(err) })
      req.end()
    })
    expect((await get(true)).match(/^egress_probe_success\{/gm)).toHaveLength(TARGETS * 2)
  })
})
