/**
 * The monitoring pack end to end, with the shipped rules, scrape/evaluation settings, routes
 * and inhibitions unchanged: real Prometheus scrapes two real probers probing through real
 * v2ray, and pages reach a webhook through a real Alertmanager. Prober A has a working direct
 * path; prober B's direct path is firewalled (its targets refuse 127.0.0.1), as on a host where
 * only the tunnel may leave. Each incident must page exactly once per prober (one Alertmanager
 * group key: what pagers deduplicate by), with the most specific alert; a blip pages nobody; the
 * runbook link of a page works; every dashboard query returns data.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dashboards, panelQueries } from '../grafana/dashboard-structure.js'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { startTarget } from '../helpers/target-server.js'
import { requireTools } from '../helpers/tools.js'
import { waitFor } from '../helpers/wait.js'
import { startChain, type Chain } from './chain.js'
import { startMonitoringStack, type MonitoringStack, type Notification } from './monitoring-stack.js'

const enabled = requireTools('v2ray', 'prometheus', 'prometheus-alertmanager')

describe.skipIf(!enabled)('alerting and dashboards (real Prometheus, Alertmanager and v2ray)', () => {
  let chain: Chain, walled: RunningCli, stack: MonitoringStack, a: string, b: string
  /** Distinct pages (group keys) sent to the pager since `since`, as `alertname@instance`. */
  const pagesSince = (since: number, status: 'firing' | 'resolved' = 'firing'): string[] => {
    const byKey = new Map<string, Notification>()
    for (const n of stack.notifications) if (n.receiver === 'pager' && n.status === status && n.at >= since) byKey.set(n.groupKey, n)
    return [...byKey.values()].map((n) => `${n.alertname}@${n.labels.instance}`).sort()
  }
  const proxyUp = async (instance: string): Promise<string> => (await stack.query(`egress_proxy_up{via="socks",instance="${instance}"}`))[0]?.value[1] ?? 'none'

  beforeAll(async () => {
    // Prober A runs with its shipped defaults (15 s interval, 10 s timeout, 2 s re-check).
    chain = await startChain({
      egressExpect: true,
      extraTargets: '  - { name: broken, url: "http://127.0.0.1:1/", via: [direct, socks] }',
    })
    // Prober B: direct egress firewalled (the target closes connections from 127.0.0.1), socks works.
    const dir = mkdtempSync(join(tmpdir(), 'egress-prober-e2e-'))
    const deny = '?deny=127.0.0.1'
    writeFileSync(join(dir, 'walled.yml'), `listen: 127.0.0.1:0
proxies: { socks: "socks5h://127.0.0.1:${chain.lab.ports.socks}" }
egress_ip: { url: "${chain.web.url('/ip' + deny)}", via: [direct, socks] }
targets:
  - { name: web, url: "${chain.web.url('/' + deny)}", via: [direct, socks] }
`)
    walled = await startCli([`--config.file=${join(dir, 'walled.yml')}`])
    a = chain.cli.base.replace('http://', '')
    b = walled.base.replace('http://', '')
    stack = await startMonitoringStack(a, b)
    await waitFor(async () => [await proxyUp(a), await proxyUp(b)].join(), (v) => v === '1,1', 40_000, 'Prometheus to see both probers\' socks proxy up')
  }, 90_000)

  afterAll(async () => {
    await stack?.close()
    await Promise.all([chain?.web.close(), chain?.webTls.close()]) // the ones restarted below, if any
    expect(await walled?.stop('SIGTERM')).toBe(0)
    expect(await chain?.close()).toBe(0)
  })

  it('a blip shorter than a probe interval (10 s < 15 s) pages nobody', async () => {
    const started = Date.now()
    await chain.lab.stopClient()
    await new Promise((resolve) => setTimeout(resolve, 10_000)) // pairs through socks run < 10 s apart
    await chain.lab.startClient()
    await waitFor(async () => await proxyUp(a), (v) => v === '1', 20_000, 'the proxy back up')
    // The blip was seen: probes through the proxy failed...
    expect(await chain.metrics()).toMatch(/egress_probes_total\{target="[^"]+",via="socks",result="proxy_refused"\} [1-9]/)
    // ...and yet no page within a minute of it (a real outage pages well within that).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 65_000 - Date.now())))
    expect(pagesSince(started)).toEqual([])
  }, 120_000)

  it('a dead sidecar pages once per prober with the most specific alert: proxy down on A, every path down on B (direct firewalled)', async () => {
    const killed = Date.now()
    await chain.lab.stopClient()
    await waitFor(async () => pagesSince(killed), (p) => p.length >= 2, 120_000, 'both pages')
    const firstPage = Math.min(...stack.notifications.filter((n) => n.receiver === 'pager' && n.at >= killed).map((n) => n.at))
    console.log(`time to page: v2ray client killed → first page at the pager webhook after ${((firstPage - killed) / 1000).toFixed(1)} s`)
    expect((firstPage - killed) / 1000).toBeLessThan(90) // the design target is 60 s; the note reports the measurement
    // Settle through a group_interval (30 s): a late second page would show up here.
    await new Promise((resolve) => setTimeout(resolve, 35_000))
    expect(pagesSince(killed)).toEqual([`EgressAllPathsDown@${b}`, `EgressProxyDown@${a}`])
    const page = stack.notifications.find((n) => n.at >= killed && n.alertname === 'EgressProxyDown')!
    expect(page.labels).toMatchObject({ severity: 'critical', job: 'egress-prober' })
    // The runbook link works from the notification: the prober serves it, with the alert's section.
    const runbook = await fetch(page.annotations.runbook_url!)
    expect(runbook.status).toBe(200)
    expect(await runbook.text()).toContain('<h2 id="egressproxydown">')

    const restarted = Date.now()
    await chain.lab.startClient()
    await waitFor(async () => pagesSince(restarted, 'resolved'), (p) => p.length >= 2, 120_000, 'both resolved')
    console.log(`time to resolve: client restarted → resolved at the webhook after ${((Date.now() - restarted) / 1000).toFixed(1)} s`)
  }, 300_000)

  it('every path down on A (the host\'s network gone: sidecar and targets) pages once: EgressAllPathsDown', async () => {
    const down = Date.now()
    const ports = { web: chain.web.port, tls: chain.webTls.port }
    await chain.lab.stopClient()
    await Promise.all([chain.web.close(), chain.webTls.close()])
    await waitFor(async () => pagesSince(down).filter((p) => p.endsWith(`@${a}`)), (p) => p.length >= 1, 120_000, 'the page for A')
    await new Promise((resolve) => setTimeout(resolve, 35_000))
    expect(pagesSince(down).filter((p) => p.endsWith(`@${a}`))).toEqual([`EgressAllPathsDown@${a}`])
    // Bring it all back on the same ports, for the dashboard queries below.
    chain.web = await startTarget({ port: ports.web })
    chain.webTls = await startTarget({ tls: true, port: ports.tls })
    await chain.lab.startClient()
    await waitFor(async () => pagesSince(down, 'resolved').filter((p) => p.endsWith(`@${a}`)), (p) => p.length >= 1, 120_000, 'resolved')
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
