/**
 * `npm run bench:kinds`: what #16 and #17 added, measured on loopback.
 * - CPU per probe by kind on the direct path (the servers in their own process): http, tcp
 *   connect, tcp banner, download of 256 KiB, each 2,000 probes, 8 at a time.
 * - Download rate accuracy: 4 MB paced at 1 and 4 MB/s by the server, through direct, SOCKS5
 *   and CONNECT (Debian's microsocks and tinyproxy when installed): reported / paced.
 * - What `labels:` costs /metrics: 10,002 pairs rendered with and without two constant labels.
 * Results in bench/results/kinds.json.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Registry } from 'prom-client'
import { parseConfigText } from '../src/config/load.js'
import { registerProberMetrics } from '../src/metrics/prober-metrics.js'
import { buildJobs, runProbe } from '../src/probes/index.js'
import { ratedOf } from '../src/probes/download.js'
import type { ProbeDeps, ProbeResult } from '../src/probes/types.js'
import { ResultStore } from '../src/state/store.js'
import { startProc } from './lib/proc.js'
import { startProxies } from './lib/proxies.js'
import { summarize } from './lib/stats.js'
import type { Servers } from './lib/tools.js'

const deps: ProbeDeps = {
  lookup: () => Promise.resolve({ address: '127.0.0.1', family: 4 }), now: () => performance.now(), wallClock: () => Date.now(), userAgent: 'bench',
}
const dir = mkdtempSync(join(tmpdir(), 'egress-prober-bench-kinds-'))
const servers = await startProc(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./servers.ts', import.meta.url))], { ready: /^\{/ })
const s = JSON.parse(servers.line) as Servers
const proxies = await startProxies(s, dir)
const config = (yaml: string): ReturnType<typeof parseConfigText> => parseConfigText(yaml, dir, 'bench', {})

async function cpuPerProbe (target: string, n: number): Promise<{ cpuMs: number, ok: number }> {
  const [job] = buildJobs(config(`targets: [${target}]`))
  const warm = await Promise.all(Array.from({ length: 50 }, async () => await runProbe(job!, deps)))
  if (!warm.every((r) => r.success)) throw new Error(`${target}: ${warm.find((r) => !r.success)?.message}`)
  const before = process.cpuUsage()
  let ok = 0
  let left = n
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (left-- > 0) if ((await runProbe(job!, deps)).success) ok++
  }))
  const used = process.cpuUsage(before)
  return { cpuMs: (used.user + used.system) / 1000 / n, ok }
}

const out: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, proxies: proxies.kind }
try {
  const kinds: Record<string, { cpuMs: number, ok: number }> = {}
  const N = 2000
  kinds.http = await cpuPerProbe(`{ name: t, url: "http://127.0.0.1:${s.httpPort}/", via: [direct] }`, N)
  kinds.tcp_connect = await cpuPerProbe(`{ name: t, kind: tcp, url: "tcp://127.0.0.1:${s.bannerPort}", via: [direct] }`, N)
  kinds.tcp_banner = await cpuPerProbe(`{ name: t, kind: tcp, url: "tcp://127.0.0.1:${s.bannerPort}", via: [direct], expect: { banner: "^SSH-2" } }`, N)
  kinds.download_256k = await cpuPerProbe(`{ name: t, kind: download, url: "http://127.0.0.1:${s.httpPort}/bytes?n=262144", via: [direct] }`, N)
  out.cpuPerProbeMs = kinds
  console.log('CPU per probe (ms, direct):', Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, v.cpuMs.toFixed(3)])))

  const rates: { via: string, pacedBps: number, reported: ReturnType<typeof summarize>, ratio: number }[] = []
  for (const paced of [1_000_000, 4_000_000]) {
    const jobs = buildJobs(config(`
proxies: { socks: "socks5h://127.0.0.1:${proxies.socksPort}", http: "http://127.0.0.1:${proxies.connectPort}" }
targets: [{ name: dl, kind: download, url: "http://127.0.0.1:${s.httpPort}/bytes?n=4000000&rate=${paced}", timeout: 30s, interval: 1m }]`))
    for (const job of jobs) {
      const got: number[] = []
      for (let i = 0; i < 3; i++) {
        const r: ProbeResult = await runProbe(job, deps)
        if (!r.success) throw new Error(`${job.via}: ${r.message}`)
        got.push(ratedOf(r)!.bytesPerSecond)
      }
      const reported = summarize(got)
      rates.push({ via: job.via, pacedBps: paced, reported, ratio: reported.p50 / paced })
      console.log(`download ${paced / 1e6} MB/s paced, via ${job.via}: reported p50 ${(reported.p50 / 1e6).toFixed(3)} MB/s (x${(reported.p50 / paced).toFixed(3)})`)
    }
  }
  out.downloadRate = rates

  // /metrics with and without constant labels: 3,334 targets x 3 paths.
  const targets = Array.from({ length: 3334 }, (_, i) => `  - { name: t${i}, url: "http://127.0.0.1:1/${i}" }`).join('\n')
  const render: Record<string, ReturnType<typeof summarize> & { bytes: number }> = {}
  for (const labels of ['{}', '{ region: eu-west, cluster: prod-a }']) {
    const c = config(`labels: ${labels}\nproxies: { socks: "socks5h://127.0.0.1:1", http: "http://127.0.0.1:2" }\ntargets:\n${targets}\n`)
    const store = new ResultStore()
    const metrics = registerProberMetrics(new Registry(), store, () => c, 'bench')
    for (const t of c.targets) {
      for (const via of t.via) {
        const r: ProbeResult = { target: t.name, via, kind: 'http', success: true, message: 'ok', phases: { resolve: 0, connect: 0.001, proxy: 0.002, tls: 0, processing: 0.05, transfer: 0.001 }, durationSeconds: 0.054, statusCode: 200, bodyBytes: 3, startedAt: Date.now() }
        store.add(r)
        metrics.record(r, 'schedule')
      }
    }
    const times: number[] = []
    let bytes = 0
    for (let i = 0; i < 12; i++) {
      const t0 = performance.now()
      bytes = metrics.render().length
      if (i >= 2) times.push(performance.now() - t0)
    }
    render[labels === '{}' ? 'without' : 'with region and cluster'] = { ...summarize(times), bytes }
  }
  out.metricsRender10002Pairs = render
  console.log('render /metrics, 10,002 pairs (ms):', Object.fromEntries(Object.entries(render).map(([k, v]) => [k, `p50 ${v.p50.toFixed(1)}, ${(v.bytes / 1e6).toFixed(1)} MB`])))
  writeFileSync(fileURLToPath(new URL('./results/kinds.json', import.meta.url)), JSON.stringify(out, null, 2) + '\n')
} finally {
  await proxies.stop()
  await servers.stop()
}
