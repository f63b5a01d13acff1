/** Confirming proxy failures by re-probing, and fast re-checks while a proxy is down. */
import { afterEach, expect, it } from 'vitest'
import { series, startApp, type TestApp } from '../helpers/app.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { hasAll, waitFor } from '../helpers/wait.js'

let target: TargetServer, socks: TestProxy, app: TestApp
afterEach(async () => { await app.close(); await Promise.all([target, socks].map((s) => s.close())) })

/** Three pairs through one proxy, 20 s apart: without re-probing, a failure would take 40 s to spread. */
async function setup (): Promise<void> {
  [target, socks] = await Promise.all([startTarget(), startSocksProxy()])
  app = await startApp(`
defaults: { interval: 60s, timeout: 2s, recheck_interval: 200ms }
proxies: { socks: "${socks.url}" }
targets:
  - { name: a, url: "${target.url('/')}", via: [socks] }
  - { name: b, url: "${target.url('/')}", via: [socks] }
  - { name: c, url: "${target.url('/')}", via: [socks] }
`)
  await app.prober.runOnce()
  expect(await app.scrape()).toContain('egress_proxy_up{via="socks"} 1')
}

it('a failure through a proxy re-probes its other pairs at once: a dead proxy shows in well under an interval', async () => {
  await setup()
  socks.mode = { reply: 1 } // general SOCKS server failure
  const started = Date.now()
  app.prober.start() // pair a runs at once, b and c would wait 20 s and 40 s
  await waitFor(app.scrape, hasAll('egress_proxy_up{via="socks"} 0',
    'egress_probe_failure_reason{target="b",via="socks",reason="proxy_rejected"} 1',
    'egress_probe_failure_reason{target="c",via="socks",reason="proxy_rejected"} 1'), 3000, 'the proxy to be down')
  expect(Date.now() - started).toBeLessThan(5000) // without re-probing: 40 s; room for a loaded machine
})

it('while a proxy is down it is re-checked every recheck_interval, so recovery shows in seconds', async () => {
  await setup()
  socks.mode = { reply: 1 }
  app.prober.start()
  await waitFor(app.scrape, hasAll('egress_proxy_up{via="socks"} 0'), 3000, 'the proxy to be down')
  const before = socks.requests.length
  await new Promise((resolve) => setTimeout(resolve, 1000))
  expect(socks.requests.length - before).toBeGreaterThanOrEqual(3) // ~5 re-checks in 1 s
  socks.mode = 'normal'
  const back = Date.now()
  await waitFor(app.scrape, hasAll('egress_proxy_up{via="socks"} 1'), 3000, 'the proxy to be up')
  expect(Date.now() - back).toBeLessThan(2500) // a 200 ms re-check against a 60 s interval; room for load
  // The recovery sweep refreshes the other pairs; once they are all green, traffic stops.
  await waitFor(app.scrape, hasAll('egress_probe_success{target="a",via="socks"} 1', 'egress_probe_success{target="b",via="socks"} 1',
    'egress_probe_success{target="c",via="socks"} 1'), 3000, 'every pair to be fresh')
  const settled = socks.requests.length
  await new Promise((resolve) => setTimeout(resolve, 600))
  expect(socks.requests.length).toBe(settled) // re-checks stop once it is up
})

it('after a recovery every pair is fresh again, so the next outage is confirmed at once too', async () => {
  await setup()
  socks.mode = { reply: 1 }
  app.prober.start()
  await waitFor(app.scrape, hasAll('egress_proxy_up{via="socks"} 0'), 3000, 'the proxy to be down')
  socks.mode = 'normal'
  // The re-check brings the proxy up and sweeps the other pairs: all three succeed again.
  await waitFor(app.scrape, hasAll('egress_probe_success{target="a",via="socks"} 1', 'egress_probe_success{target="b",via="socks"} 1',
    'egress_probe_success{target="c",via="socks"} 1'), 3000, 'every pair to be fresh')
  await new Promise((resolve) => setTimeout(resolve, 500))
  socks.mode = { reply: 1 }
  await app.prober.probe(app.prober.job('a', 'socks')!) // the next scheduled probe of one pair
  await waitFor(app.scrape, hasAll('egress_proxy_up{via="socks"} 0'), 1500, 'the second outage to be confirmed')
})

it("one target's own failure does not take the proxy down", async () => {
  await setup()
  target.hits.length = 0
  // Target a starts answering 500: its own trouble, not the proxy's.
  app.prober.reload({ ...app.prober.currentConfig, targets: app.prober.currentConfig.targets.map((t) => t.name === 'a' ? { ...t, url: new URL(target.url('/?status=500')) } : t) })
  app.prober.start()
  await waitFor(app.scrape, hasAll('egress_probe_failure_reason{target="a",via="socks",reason="http_status"} 1'), 3000, 'a to fail')
  await waitFor(async () => target.hits.length, (n) => n >= 3, 3000, 'b and c to be re-probed')
  const text = await app.scrape()
  expect(text).toContain('egress_proxy_up{via="socks"} 1')
  expect(series(text, 'egress_probe_success').filter((l) => l.endsWith(' 1'))).toHaveLength(2)
})

it('a sweep is bounded: one re-check at a time under max_concurrent_probes 8, counted apart from scheduled probes, never as skipped', async () => {
  [target, socks] = await Promise.all([startTarget(), startSocksProxy()])
  const names = Array.from({ length: 20 }, (_, i) => `t${i}`)
  app = await startApp(`
max_concurrent_probes: 8
defaults: { interval: 60s, timeout: 2s, recheck_interval: 5s }
proxies: { socks: "${socks.url}" }
targets:
${names.map((n) => `  - { name: ${n}, url: "${target.url('/')}", via: [socks] }`).join('\n')}
`)
  socks.mode = { reply: 1 }
  app.prober.start() // t0 runs at once; the others are spread 3 s apart
  const text = await waitFor(app.scrape, hasAll('egress_proxy_up{via="socks"} 0'), 5000, 'the proxy to be down')
  // Every other pair was re-checked, one at a time (sweep concurrency = 8 / 8)...
  expect(text).toContain('egress_proxy_rechecks_total{via="socks",result="proxy_rejected"} 19')
  expect(socks.peak).toBeLessThanOrEqual(2) // the sweep's one, and perhaps a scheduled probe
  // ...and counted apart: egress_probes_total holds the scheduled probes only.
  const scheduled = series(text, 'egress_probes_total')
  expect(scheduled.length).toBeGreaterThanOrEqual(1)
  expect(scheduled.length).toBeLessThanOrEqual(2) // t0, perhaps t1 (due at 3 s)
  expect(series(text, 'egress_probe_skipped_total')).toEqual([])
})
