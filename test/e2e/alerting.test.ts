/**
 * The monitoring pack end to end, with the shipped rules, scrape/evaluation settings, routes
 * and inhibitions unchanged: real Prometheus scrapes real probers probing through real v2ray,
 * and pages reach a webhook through a real Alertmanager. Each incident must page exactly once
 * per prober (one Alertmanager group key: what pagers deduplicate by), with the most specific
 * alert; a blip pages nobody; the runbook link of a page works; every dashboard query returns data.
 *
 * The three incidents wait for real pages with the shipped timings, so each runs in its own lab
 * (v2ray, targets, probers, Prometheus, Alertmanager, all on ports picked at run time) and the
 * three run at the same time: the file takes as long as the longest incident, not their sum.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { dashboards, panelQueries } from '../grafana/dashboard-structure.js'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { startTarget } from '../helpers/target-server.js'
import { requireTools } from '../helpers/tools.js'
import { waitFor } from '../helpers/wait.js'
import { startChain, type Chain, type ChainOptions } from './chain.js'
import { startMonitoringStack, type MonitoringStack, type Notification } from './monitoring-stack.js'
import { DEFAULT_CONFIG } from '../../mixin/config.js'

const enabled = requireTools('v2ray', 'prometheus', 'prometheus-alertmanager')
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) }

interface IncidentLab {
  /** Prober A: shipped defaults (15 s interval, 10 s timeout, 2 s re-check), a working direct path. */
  chain: Chain
  a: string
  /**
   * Prober B (when asked for): direct egress firewalled (its targets close connections from
   * 127.0.0.1), socks works; or (`regions`) a second vantage point, region us-east, A being eu-west.
   */
  b: string
  /** With `regions`: the second replica of A (same config, scraped as A's instance with its own pod). */
  a2: string
  stack: MonitoringStack
  /** Distinct pages (group keys) sent to the pager since `since`, as `alertname@instance`. */
  pagesSince: (since: number, status?: 'firing' | 'resolved') => string[]
  proxyUp: (instance: string) => Promise<string>
  close: () => Promise<void>
}

interface LabOptions {
  walled: boolean
  /** The paging webhook refuses the direct path (callers from 127.0.0.1): only the copy through the sidecar arrives. */
  pagerBlockedDirect?: boolean
  chain?: Pick<ChainOptions, 'egressQuery' | 'expectCountry' | 'flakySocks'>
  /**
   * Two vantage points under one Prometheus: A labelled region eu-west, with a second replica
   * scraped as the same instance (a different pod, as the shipped ServiceMonitor does), and B
   * region us-east.
   */
  regions?: boolean
}

async function startIncidentLab (opts: LabOptions): Promise<IncidentLab> {
  const chain = await startChain({
    egressExpect: true,
    extraTargets: '  - { name: broken, url: "http://127.0.0.1:1/", via: [direct, socks] }',
    ...(opts.regions === true && { labels: '{ region: eu-west }', download: true }),
    ...opts.chain,
  })
  let walled: RunningCli | undefined
  let replica: RunningCli | undefined
  let stack: MonitoringStack | undefined
  const close = async (): Promise<void> => {
    await stack?.close()
    await Promise.all([chain.web.close(), chain.webTls.close()]) // the ones restarted by a test, if any
    const codes = [await walled?.stop('SIGTERM'), await replica?.stop('SIGTERM'), await chain.close()]
    if (codes.some((c) => c !== undefined && c !== 0)) throw new Error(`a prober exited with ${codes.join(', ')} on SIGTERM`)
  }
  try {
    if (opts.walled || opts.regions === true) {
      const dir = mkdtempSync(join(tmpdir(), 'egress-prober-e2e-'))
      const deny = opts.walled ? '?deny=127.0.0.1' : ''
      writeFileSync(join(dir, 'walled.yml'), `listen: 127.0.0.1:0
${opts.regions === true ? 'labels: { region: us-east }' : ''}
proxies: { socks: "socks5h://127.0.0.1:${chain.lab.ports.socks}" }
egress_ip: { url: "${chain.web.url('/ip' + deny)}", via: [direct, socks] }
targets:
  - { name: web, url: "${chain.web.url('/' + deny)}", via: [direct, socks] }
`)
      walled = await startCli([`--config.file=${join(dir, 'walled.yml')}`])
    }
    if (opts.regions === true) replica = await startCli([`--config.file=${chain.configFile}`])
    const a = chain.cli.base.replace('http://', '')
    const b = walled?.base.replace('http://', '') ?? ''
    const a2 = replica?.base.replace('http://', '')
    // The shipped receivers page through the sidecar's HTTP proxy and directly (prometheus/alertmanager.yml).
    stack = await startMonitoringStack([a, b, a2 ?? ''].filter((x) => x !== ''), {
      ...(a2 !== undefined && { replicaOf: { [a]: a, [a2]: a } }),
      proxyUrl: `http://127.0.0.1:${chain.lab.ports.http}`,
      ...(opts.pagerBlockedDirect === true && { refuseFrom: '127.0.0.1' }),
    })
    const s = stack
    const pagesSince = (since: number, status: 'firing' | 'resolved' = 'firing'): string[] => {
      const byKey = new Map<string, Notification>()
      for (const n of s.notifications) if (n.receiver === 'pager' && n.status === status && n.at >= since) byKey.set(n.groupKey, n)
      return [...byKey.values()].map((n) => `${n.alertname}@${n.labels.instance}`).sort()
    }
    const proxyUp = async (instance: string): Promise<string> => (await s.query(`egress_proxy_up{via="socks",instance="${instance}"}`))[0]?.value[1] ?? 'none'
    const instances = [a, b].filter((x) => x !== '')
    await waitFor(async () => (await Promise.all(instances.map(proxyUp))).join(), (v) => v === instances.map(() => '1').join(), 60_000, 'Prometheus to see every prober\'s socks proxy up')
    return { chain, a, b, a2: a2 ?? '', stack: s, pagesSince, proxyUp, close }
  } catch (err) {
    await close().catch(() => {})
    throw err
  }
}

/** Runs `body` in a fresh lab and always closes it. */
async function inLab (opts: LabOptions, body: (lab: IncidentLab) => Promise<void>): Promise<void> {
  const lab = await startIncidentLab(opts)
  try {
    await body(lab)
  } finally {
    await lab.close()
  }
}

describe.skipIf(!enabled)('alerting and dashboards (real Prometheus, Alertmanager and v2ray)', () => {
  it.concurrent('a blip shorter than a probe interval (10 s < 15 s) pages nobody', async ({ expect }) => {
    await inLab({ walled: false }, async ({ chain, a, pagesSince, proxyUp }) => {
      const started = Date.now()
      await chain.lab.stopClient()
      await sleep(10_000) // pairs through socks run < 10 s apart
      await chain.lab.startClient()
      await waitFor(async () => await proxyUp(a), (v) => v === '1', 30_000, 'the proxy back up')
      // The blip was seen: probes through the proxy failed...
      expect(await chain.metrics()).toMatch(/egress_probes_total\{target="[^"]+",via="socks",result="proxy_refused"\} [1-9]/)
      // ...and yet no page within a minute of it (a real outage pages well within that).
      await sleep(started + 65_000 - Date.now())
      expect(pagesSince(started)).toEqual([])
    })
  }, 200_000)

  it.concurrent('a dead sidecar pages once per prober with the most specific alert: proxy down on A, every path down on B (direct firewalled)', async ({ expect }) => {
    await inLab({ walled: true }, async ({ chain, a, b, stack, pagesSince }) => {
      const killed = Date.now()
      await chain.lab.stopClient()
      await waitFor(async () => pagesSince(killed), (p) => p.length >= 2, 120_000, 'both pages')
      const firstPage = Math.min(...stack.notifications.filter((n) => n.receiver === 'pager' && n.at >= killed).map((n) => n.at))
      console.log(`dead sidecar: time to page: v2ray client killed → first page at the pager webhook after ${((firstPage - killed) / 1000).toFixed(1)} s`)
      expect((firstPage - killed) / 1000).toBeLessThan(90) // the design target is 60 s; the note reports the measurement
      // Settle through a group_interval (30 s): a late second page would show up here.
      await sleep(35_000)
      expect(pagesSince(killed)).toEqual([`EgressAllPathsDown@${b}`, `EgressProxyDown@${a}`])
      const page = stack.notifications.find((n) => n.at >= killed && n.alertname === 'EgressProxyDown')!
      expect(page.labels).toMatchObject({ severity: 'critical', job: 'egress-prober' })
      // The runbook link is the configured one, opening from anywhere (the repository's runbooks);
      // the prober serves the same section as a copy.
      expect(page.annotations.runbook_url).toBe(`${DEFAULT_CONFIG.runbookBase}#egressproxydown`)
      expect(await (await fetch(`${chain.cli.base}/runbooks`)).text()).toContain('<h2 id="egressproxydown">')
      // The page names its reason and the first thing to do.
      expect(page.annotations.description).toContain('Reasons: proxy_refused (the sidecar refuses connections')
      expect(page.annotations.description).toContain('Broken hop: sidecar.')

      const restarted = Date.now()
      await chain.lab.startClient()
      await waitFor(async () => pagesSince(restarted, 'resolved'), (p) => p.length >= 2, 120_000, 'both resolved')
      console.log(`dead sidecar: time to resolve: client restarted → resolved at the webhook after ${((Date.now() - restarted) / 1000).toFixed(1)} s`)
    })
  }, 300_000)

  it.concurrent('a page reaches on-call through the tunnel when the paging API refuses the direct path (EgressCountryUnexpected: the exit moved to the US)', async ({ expect }) => {
    await inLab({ walled: false, pagerBlockedDirect: true, chain: { egressQuery: 'format=trace&loc=US', expectCountry: ['NL', 'DE'] } }, async ({ a, stack, pagesSince }) => {
      await waitFor(async () => pagesSince(0), (p) => p.length >= 1, 150_000, 'the page')
      expect(pagesSince(0)).toEqual([`EgressCountryUnexpected@${a}`])
      const page = stack.notifications.find((n) => n.alertname === 'EgressCountryUnexpected')!
      expect(page.remote).toBe('127.0.0.2') // the sidecar's egress: it came through the tunnel
      expect(page.labels).toMatchObject({ severity: 'critical', job: 'egress-prober' })
      expect(['socks', 'http']).toContain(page.labels.via)
      expect(stack.refused()).toBeGreaterThan(0) // the direct copy was sent and refused
    })
  }, 300_000)

  it.concurrent('every path down (the network gone: sidecar and targets) pages once per region, naming it, though eu-west has two replicas: EgressAllPathsDown; then every dashboard query returns data for both regions', async ({ expect }) => {
    await inLab({ walled: false, regions: true }, async ({ chain, a, b, a2, stack, pagesSince }) => {
      const down = Date.now()
      const ports = { web: chain.web.port, tls: chain.webTls.port }
      await chain.lab.stopClient()
      await Promise.all([chain.web.close(), chain.webTls.close()])
      await waitFor(async () => pagesSince(down), (p) => p.length >= 2, 120_000, 'the pages')
      await sleep(35_000)
      expect(pagesSince(down)).toEqual([`EgressAllPathsDown@${a}`, `EgressAllPathsDown@${b}`].sort())
      const regionOf = (instance: string): string | undefined => stack.notifications.find((n) => n.at >= down && n.labels.instance === instance)?.labels.region
      expect([regionOf(a), regionOf(b)]).toEqual(['eu-west', 'us-east'])
      // eu-west's two replicas (two pods, one instance) raised one alert, not one per pod.
      const euWest = stack.notifications.filter((n) => n.at >= down && n.receiver === 'pager' && n.labels.region === 'eu-west')
      expect(new Set(euWest.map((n) => JSON.stringify(n.labels))).size).toBe(1)
      expect(euWest[0]!.labels.pod).toBeUndefined()
      expect((await stack.query('egress_prober_build_info{region="eu-west"}')).map((r) => r.metric.pod).sort()).toEqual([a, a2].sort())
      // Bring it all back on the same ports.
      chain.web = await startTarget({ port: ports.web })
      chain.webTls = await startTarget({ tls: true, port: ports.tls })
      await chain.lab.startClient()
      await waitFor(async () => pagesSince(down, 'resolved'), (p) => p.length >= 2, 120_000, 'resolved')

      // The dashboards, against a Prometheus that has seen failures and recoveries. After the
      // recovery some panels need a moment: the egress checks must run again (leak flags need both
      // IPs), and a rate over [1m] of the sidecar's counters two scrapes after its API is back.
      // So: wait (bounded) until every query returns data; then the same assertion names any
      // that never did.
      const emptyQueries = async (): Promise<string[]> => {
        const empty: string[] = []
        for (const [file, dashboard] of dashboards()) {
          for (const { panel, expr } of panelQueries(dashboard)) {
            const result = await stack.query(expr) // throws when Prometheus rejects the query
            if (result.length === 0) empty.push(`${file} / ${panel}: ${expr}`)
          }
        }
        return empty
      }
      const empty = await waitFor(emptyQueries, (e) => e.length === 0, 90_000, 'every dashboard query to return data').catch(emptyQueries)
      expect(empty).toEqual([])
      // The region selector lists both vantage points; the overview shows each region's tunnel.
      expect((await stack.query('group by (region) (egress_prober_build_info)')).map((r) => r.metric.region).sort()).toEqual(['eu-west', 'us-east'])
      const overview = dashboards()[0]![1].panels.find((p) => p.title === 'Tunnel per region')!.targets![0]!.expr.replace(/\$(region|instance|via)\b/g, '.*')
      expect((await stack.query(overview)).map((r) => `${r.metric.region} ${r.metric.via}`).sort()).toEqual(['eu-west http', 'eu-west socks', 'us-east socks'])
    })
  }, 300_000)

  it.concurrent('a sick tunnel (every third connection reset mid-handshake) pages as EgressErrorBudgetBurn, once, and nothing else pages', async ({ expect }) => {
    await inLab({ walled: false, chain: { flakySocks: true } }, async ({ chain, a, stack, pagesSince }) => {
      const started = Date.now()
      await waitFor(async () => pagesSince(0), (p) => p.includes(`EgressErrorBudgetBurn@${a}`), 300_000, 'the burn page')
      const page = stack.notifications.find((n) => n.receiver === 'pager' && n.alertname === 'EgressErrorBudgetBurn')!
      console.log(`sick tunnel: the burn page reached the webhook ${((page.at - started) / 1000).toFixed(1)} s after the lab was ready (the prober ran flaky from its start: ${page.annotations.summary})`)
      expect(page.labels).toMatchObject({ severity: 'critical', via: 'socks', window: '1h' })
      expect(page.annotations.runbook_url).toBe(`${DEFAULT_CONFIG.runbookBase}#egresserrorbudgetburn`)
      expect(page.annotations.description).toMatch(/Failures in the last hour: .*proxy_rejected \d+/)
      // The tunnel fails some of the time: EgressProxyDown never had a reason to page.
      await sleep(15_000)
      expect(pagesSince(0)).toEqual([`EgressErrorBudgetBurn@${a}`])
      expect(await chain.metrics()).toMatch(/egress_probes_total\{target="web",via="socks",result="success"\} [1-9]/)
    })
  }, 480_000)

  it.concurrent('a dead VLESS server and a dead sidecar page differently, each naming its reason; a second outage 90 s after the first resolved pages within 60 s', async ({ expect }) => {
    await inLab({ walled: false }, async ({ chain, a, stack, pagesSince }) => {
      // Both proxies die with the server or the sidecar; socks is the one with an upstream: (test/e2e/chain.ts).
      const page = (since: number): Notification | undefined => stack.notifications.find((n) => n.receiver === 'pager' && n.status === 'firing' && n.at >= since && n.alertname === 'EgressProxyDown' && n.labels.via === 'socks')
      const serverKilled = Date.now()
      await chain.lab.stopServer()
      await waitFor(async () => page(serverKilled), (p) => p !== undefined, 120_000, 'the page for a dead server')
      const first = page(serverKilled)!
      console.log(`dead VLESS server: paged after ${((first.at - serverKilled) / 1000).toFixed(1)} s: ${first.annotations.description?.split('Reasons: ')[1]}`)
      expect(first.annotations.description).toContain('Reasons: tunnel_broken (the sidecar accepts, but the tunnel carries nothing')
      // The upstream's hop probe (TCP to the server) names where it broke.
      expect(first.annotations.description).toContain('Broken hop: upstream_unreachable.')
      const restarted = Date.now()
      await chain.lab.startServer()
      await waitFor(async () => pagesSince(restarted, 'resolved'), (p) => p.includes(`EgressProxyDown@${a}`), 120_000, 'resolved')
      await sleep(90_000)
      const sidecarKilled = Date.now()
      await chain.lab.stopClient()
      await waitFor(async () => page(sidecarKilled), (p) => p !== undefined, 120_000, 'the second page')
      const second = page(sidecarKilled)!
      const took = (second.at - sidecarKilled) / 1000
      console.log(`second outage 90 s after the first resolved: paged after ${took.toFixed(1)} s: ${second.annotations.description?.split('Reasons: ')[1]}`)
      expect(second.annotations.description).toContain('Reasons: proxy_refused (the sidecar refuses connections')
      expect(second.annotations.description).not.toBe(first.annotations.description)
      expect(took).toBeLessThan(60)
      await chain.lab.startClient()
    })
  }, 480_000)
})
