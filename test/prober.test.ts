/** The prober's bookkeeping around reloads: results of pairs that are gone never come back. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startApp, type TestApp } from './helpers/app.js'
import { configFrom } from './helpers/probe.js'
import { startTarget, type TargetServer } from './helpers/target-server.js'
import { waitFor } from './helpers/wait.js'

let target: TargetServer, app: TestApp
beforeAll(async () => { target = await startTarget() })
afterAll(async () => { await app.close(); await target.close() })

it('a probe in flight for a pair that a reload removed leaves no series behind (no ghost failure)', async () => {
  app = await startApp(`targets: [{ name: ghost, url: "${target.url('/?delay=600&status=500')}", via: [direct], timeout: 2s, interval: 10s }]`)
  const ghost = app.prober.probe(app.prober.job('ghost', 'direct')!)
  await waitFor(async () => target.hits.length, (n) => n >= 1, 3000, 'the probe to be in flight')
  app.prober.reload(configFrom(`targets: [{ name: fresh, url: "${target.url('/')}", via: [direct], timeout: 2s, interval: 10s }]`))
  await app.prober.runOnce()
  // The removed probe ends (a failure: status 500) after the reload, and the prober has handled it...
  expect((await ghost).reason).toBe('http_status')
  const text = await app.scrape()
  // ...and nothing of it shows: no success, no failure reason, no counter.
  expect(text).not.toContain('target="ghost"')
  expect(text).toContain('egress_probe_success{target="fresh",via="direct"} 1')
})

it('a probe aborted by the stop records nothing: no unknown result, no counter', async () => {
  const stopping = await startApp(`targets: [{ name: slow, url: "${target.url('/?delay=5000')}", via: [direct], timeout: 8s, interval: 10s }]`)
  const job = stopping.prober.job('slow', 'direct')!
  const probing = stopping.prober.probe(job)
  await waitFor(async () => target.hits.filter((h) => h.path.includes('delay=5000')).length, (n) => n >= 1, 3000, 'the probe to be in flight')
  // The grace period runs out long before the answer: the probe is aborted.
  await stopping.prober.stop(50)
  const result = await probing
  expect(result.success).toBe(false)
  const text = await stopping.scrape()
  expect(text).not.toMatch(/^egress_(probe_success|probe_failure_reason|probes_total)\{target="slow"/m)
  expect(text).not.toContain('reason="unknown"')
  await stopping.close()
})

it('a pair that keeps skipping slots logs the first skip and, when it runs again, the count: not a line per slot', async () => {
  const { Writable } = await import('node:stream')
  const { createLogger } = await import('../src/log.js')
  const { createRegistry } = await import('../src/metrics/registry.js')
  const { Prober } = await import('../src/prober.js')
  const { FakeTimers } = await import('./helpers/fake-timers.js')
  const { testLookup } = await import('./helpers/probe.js')
  const lines: string[] = []
  const logger = createLogger('info', 'json', new Writable({ write (chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb() } }))
  const timers = new FakeTimers()
  const prober = new Prober(configFrom(`targets: [{ name: hung, url: "${target.url('/?delay=3000')}", via: [direct], timeout: 900ms, interval: 1s }]`),
    { logger, registry: createRegistry(), lookup: testLookup(), timers })
  prober.start()
  await timers.advance(1000)
  await waitFor(async () => target.hits.filter((h) => h.path.includes('delay=3000')).length, (n) => n >= 1, 3000, 'the first run')
  // Twenty slots pass (in fake time) while the first run hangs (in real time).
  for (let i = 0; i < 20; i++) await timers.advance(1000)
  const skipped = (): string[] => lines.filter((l) => l.includes('probe slot skipped'))
  expect(skipped().length).toBe(1)
  // The run ends at its 900 ms deadline; the next slot runs and says how many were skipped.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await timers.advance(1000)
  await waitFor(async () => lines.filter((l) => l.includes('probe slots skipped while')).join(''), (t) => t !== '', 3000, 'the count')
  expect(JSON.parse(lines.find((l) => l.includes('probe slots skipped while'))!)).toMatchObject({ target: 'hung', via: 'direct', skipped: expect.any(Number) })
  expect(skipped().length).toBe(1)
  await prober.stop(100)
})
