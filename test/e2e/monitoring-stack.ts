/**
 * Real Prometheus and Alertmanager, started from the shipped configs with only addresses
 * replaced (intervals, rules and routes unchanged), plus a webhook receiver that records what
 * Alertmanager sends. Every process is stopped by pid.
 */
import { spawnTracked } from '../helpers/procs.js'
import type { ChildProcess } from 'node:child_process'
import http from 'node:http'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, stringify } from 'yaml'
import { freePorts } from '../helpers/ports.js'
import { waitFor } from '../helpers/wait.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Notification {
  receiver: string
  status: 'firing' | 'resolved'
  alertname: string
  at: number
  labels: Record<string, string>
  annotations: Record<string, string>
  /** Alertmanager's group key: pagers deduplicate by it, so one key is one page. */
  groupKey: string
  /** The address the notification came from (the proxy's egress when it came through the sidecar). */
  remote: string
}

export interface StackOptions {
  /** Where the shipped `http_config.proxy_url` points (the lab sidecar's HTTP proxy); without it they are removed. */
  proxyUrl?: string
  /** The webhook closes connections from this address: a paging API blocked on the direct path. */
  refuseFrom?: string
  /**
   * Replicas of one vantage point, as the shipped ServiceMonitor scrapes them: each address here
   * gets `instance` = the address it maps to (the Service) and `pod` = its own address.
   */
  replicaOf?: Record<string, string>
}

export interface MonitoringStack {
  prometheus: string
  notifications: Notification[]
  /** Connections the webhook refused (from `refuseFrom`). */
  refused: () => number
  /** Runs an instant PromQL query; returns the result vector (throws on a bad query). */
  query: (expr: string) => Promise<{ metric: Record<string, string>, value: [number, string] }[]>
  close: () => Promise<void>
}

/** `/metrics` of egress-prober at each of `proberAddresses` (host:port) is what Prometheus scrapes. */
export async function startMonitoringStack (proberAddresses: string[], opts: StackOptions = {}): Promise<MonitoringStack> {
  const dir = mkdtempSync(join(tmpdir(), 'egress-prober-monitoring-'))
  const notifications: Notification[] = []
  let refused = 0
  const webhook = http.createServer((req, res) => {
    const remote = req.socket.remoteAddress ?? ''
    if (remote === opts.refuseFrom) { refused++; req.socket.destroy(); return }
    let body = ''
    req.on('data', (d: Buffer) => { body += d.toString() })
    req.on('end', () => {
      const msg = JSON.parse(body) as { receiver: string, groupKey: string, alerts: { status: 'firing' | 'resolved', labels: Record<string, string>, annotations: Record<string, string> }[] }
      for (const a of msg.alerts) {
        notifications.push({ receiver: msg.receiver, status: a.status, alertname: a.labels.alertname ?? '', labels: a.labels, annotations: a.annotations, groupKey: msg.groupKey, at: Date.now(), remote })
      }
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve))
  const hook = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`
  const [promPort, amPort] = await freePorts(2) as [number, number]

  const am = parse(readFileSync(`${ROOT}prometheus/alertmanager.yml`, 'utf8')) as { receivers: { name: string, webhook_configs?: { url: string, http_config?: { proxy_url?: string } }[] }[] }
  for (const r of am.receivers) {
    for (const w of r.webhook_configs ?? []) {
      w.url = `${hook}/${r.name}`
      if (w.http_config?.proxy_url === undefined) continue
      if (opts.proxyUrl !== undefined) w.http_config.proxy_url = opts.proxyUrl
      else delete w.http_config
    }
  }
  writeFileSync(join(dir, 'alertmanager.yml'), stringify(am))

  const prom = parse(readFileSync(`${ROOT}prometheus/prometheus.yml`, 'utf8')) as {
    rule_files: string[], alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] }, scrape_configs: { static_configs: { targets: string[], labels?: Record<string, string> }[] }[]
  }
  prom.rule_files = prom.rule_files.map((f) => join(ROOT, 'prometheus', f))
  prom.alerting.alertmanagers[0]!.static_configs[0]!.targets = [`127.0.0.1:${amPort}`]
  prom.scrape_configs[0]!.static_configs = proberAddresses.map((address) => {
    const service = opts.replicaOf?.[address]
    return service === undefined ? { targets: [address] } : { targets: [address], labels: { instance: service, pod: address } }
  })
  writeFileSync(join(dir, 'prometheus.yml'), stringify(prom))

  const children: ChildProcess[] = []
  const start = (cmd: string, args: string[]): void => {
    const child = spawnTracked(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] })
    child.on('error', () => {})
    children.push(child)
  }
  start('prometheus-alertmanager', [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`,
    `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='])
  // The one flag the shipped deployment sets (deploy/): resend firing alerts every 5 s, so the
  // first notification does not wait a minute when Alertmanager was not discovered yet.
  start('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--rules.alert.resend-delay=5s'])
  const prometheus = `http://127.0.0.1:${promPort}`
  const ready = async (url: string): Promise<boolean> => await fetch(url).then((r) => r.ok, () => false)
  await waitFor(() => ready(`http://127.0.0.1:${amPort}/-/ready`), (ok) => ok, 20_000, 'Alertmanager ready')
  await waitFor(() => ready(`${prometheus}/-/ready`), (ok) => ok, 20_000, 'Prometheus ready')

  return {
    prometheus,
    notifications,
    refused: () => refused,
    query: async (expr) => {
      const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)
      const json = await res.json() as { status: string, error?: string, data: { result: { metric: Record<string, string>, value: [number, string] }[] } }
      if (json.status !== 'success') throw new Error(`query failed: ${expr}: ${json.error ?? res.status}`)
      return json.data.result
    },
    close: async () => {
      await Promise.all(children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return
        const exited = new Promise((resolve) => c.once('exit', resolve))
        c.kill('SIGKILL')
        await exited
      }))
      webhook.closeAllConnections()
      await new Promise((resolve) => webhook.close(resolve))
    },
  }
}
