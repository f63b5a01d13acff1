/**
 * The monitoring pack end to end, with the shipped rules, scrape/evaluation settings and routes
 * unchanged: real Prometheus scrapes the real prober probing through real v2ray; the page for a
 * dead proxy reaches a webhook through a real Alertmanager; a blip pages nobody; every dashboard
 * query returns data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dashboards, panelQueries } from '../grafana/dashboard-structure.js'
import { requireTools } from '../helpers/tools.js'
import { waitFor } from '../helpers/wait.js'
import { startChain, type Chain } from './chain.js'
import { startMonitoringStack, type MonitoringStack } from './monitoring-stack.js'

const enabled = requireTools('v2ray', 'prometheus', 'prometheus-alertmanager')

describe.skipIf(!enabled)('alerting and dashboards (real Prometheus, Alertmanager and v2ray)', () => {
  let chain: Chain, stack: MonitoringStack
  const pages = (status: 'firing' | 'resolved'): number[] => stack.notifications
    .filter((n) => n.receiver === 'pager' && n.alertname === 'EgressProxyDown' && n.status === status).map((n) => n.at)
  const proxyUp = async (): Promise<string> => (await stack.query('egress_proxy_up{via="socks"}'))[0]?.value[1] ?? 'none'

  beforeAll(async () => {
    // The prober runs with its shipped defaults (15 s interval, 10 s timeout, 2 s re-check).
    chain = await startChain({
      egressExpect: true,
      extraTargets: '  - { name: broken, url: "http://127.0.0.1:1/", via: [direct, socks] }',
    })
    stack = await startMonitoringStack(chain.cli.base.replace('http://', ''))
    await waitFor(proxyUp, (v) => v === '1', 40_000, 'Prometheus to see the socks proxy up')
  }, 90_000)

  afterAll(async () => {
    await stack?.close()
    const code = await chain?.close()
    expect(code).toBe(0)
  })

  it('a blip shorter than a probe interval (10 s < 15 s) pages nobody', async () => {
    const started = Date.now()
    await chain.lab.stopClient()
    await new Promise((resolve) => setTimeout(resolve, 10_000)) // pairs through socks run < 10 s apart
    await chain.lab.startClient()
    await waitFor(proxyUp, (v) => v === '1', 20_000, 'the proxy back up')
    // The blip was seen: probes through the proxy failed...
    expect(await chain.metrics()).toMatch(/egress_probes_total\{target="[^"]+",via="socks",result="proxy_refused"\} [1-9]/)
    // ...and yet no page within a minute of it (a real outage pages well within that).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 65_000 - Date.now())))
    expect(pages('firing')).toEqual([])
  }, 120_000)

  it('a dead proxy pages through Alertmanager within a minute, and resolves when it is back', async () => {
    const killed = Date.now()
    await chain.lab.stopClient()
    await waitFor(async () => pages('firing'), (p) => p.length > 0, 120_000, 'the EgressProxyDown page')
    const toPage = (pages('firing')[0]! - killed) / 1000
    console.log(`time to page: v2ray client killed → EgressProxyDown at the pager webhook after ${toPage.toFixed(1)} s`)
    expect(toPage).toBeLessThan(90) // the design target is 60 s; the note reports the measurement
    const page = stack.notifications.find((n) => n.alertname === 'EgressProxyDown')!
    expect(page.labels).toMatchObject({ severity: 'critical', job: 'egress-prober' })
    expect(['socks', 'http']).toContain(page.labels.via)

    const restarted = Date.now()
    await chain.lab.startClient()
    await waitFor(async () => pages('resolved'), (p) => p.length > 0, 120_000, 'the resolved notification')
    console.log(`time to resolve: client restarted → resolved at the webhook after ${((pages('resolved')[0]! - restarted) / 1000).toFixed(1)} s`)
  }, 300_000)

  it.each(dashboards())('every panel query of %s returns data from Prometheus', async (_file, dashboard) => {
    const empty: string[] = []
    for (const { panel, expr } of panelQueries(dashboard)) {
      const result = await stack.query(expr) // throws when Prometheus rejects the query
      if (result.length === 0) empty.push(`${panel}: ${expr}`)
    }
    expect(empty).toEqual([])
  }, 60_000)
})
