/**
 * Scale (issue #14), egress-prober alone: 3,334 targets × {direct, HTTP CONNECT, SOCKS5} =
 * 10,002 pairs every 30 s through real proxies (microsocks, tinyproxy), a third of the targets
 * https, `max_concurrent_probes: 128`. Measures the time to ready, then for `seconds` after a
 * 30 s warm-up: CPU (cores), RSS and V8 heap, a gzip scrape of /metrics every 5 s as Prometheus
 * does it, skipped slots, the start delay, success; then a reload of the same 10,002 pairs with
 * one target changed (duration, and whether the schedule kept its pace).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { freePorts } from '../test/helpers/ports.js'
import { cpuSeconds, rssBytes, startProc } from './lib/proc.js'
import { startProxies } from './lib/proxies.js'
import { summarize, type Summary } from './lib/stats.js'
import { ROOT, type Servers } from './lib/tools.js'

export interface ScaleResult {
  /** Node flags of the prober ([] for the defaults). */
  nodeArgs: string[]
  targets: number
  pairs: number
  intervalSeconds: number
  /** Measured window, after the warm-up. */
  seconds: number
  proxies: string
  startupMs: number
  cores: number
  /** The whole machine's CPU use over the window (every core, every process: targets, proxies, the bench). */
  machineBusyPct: number
  rssMB: { max: number, floorEarly: number, floorLate: number }
  rssGrowthPct: number
  /** The RSS floor (MB) of each 5-minute window, for soaks. */
  rssFloorsByWindowMB: number[]
  heapUsedMB: { max: number }
  /** Each a full gzip /metrics answer, as Prometheus asks for it, every 5 s. */
  scrapeMs: Summary
  /** Until the answer's headers arrived: the server has started writing. */
  scrapeHeadersMs: Summary
  metricsBytes: number
  metricsGzipBytes: number
  series: number
  seriesPerPair: number
  skipped: number
  startDelayP99Ms: number
  probes: number
  successRatio: number
  reload: { ms: number, ok: boolean, probesNext30sPerPair: number }
}

const WARMUP_S = 30
const SCRAPE_EVERY_MS = 5000

export async function runScale (s: Servers, dir: string, seconds: number, targets: number, log: (s: string) => void, nodeArgs: string[] = []): Promise<ScaleResult> {
  const intervalSeconds = 30
  const proxies = await startProxies(s, dir)
  const [port] = await freePorts(1) as [number]
  const file = join(dir, 'scale.yml')
  const config = (changed: number): string => {
    const lines = Array.from({ length: targets }, (_, i) => {
      const secure = i % 3 === 2
      const url = `${secure ? 'https' : 'http'}://127.0.0.1:${secure ? s.httpsPort : s.httpPort}/sleep?ms=5&t=${i}${i === changed ? '&changed' : ''}`
      return `  - { name: t${String(i).padStart(5, '0')}, url: "${url}"${secure ? `, tls: { ca_file: "${s.caFile}" }` : ''} }`
    })
    return `listen: 127.0.0.1:${port}
defaults: { interval: ${intervalSeconds}s, timeout: 5s }
max_concurrent_probes: 128
proxies: { http: "http://127.0.0.1:${proxies.connectPort}", socks: "socks5://127.0.0.1:${proxies.socksPort}" }
targets:
${lines.join('\n')}
`
  }
  writeFileSync(file, config(-1))
  const base = `http://127.0.0.1:${port}`
  const spawned = performance.now()
  const proc = await startProc(process.execPath, [...nodeArgs, join(ROOT, 'dist/cli.js'), `--config.file=${file}`, '--log.level=warn', '--web.enable-lifecycle'],
    { ready: /./, readyOnSpawn: true, env: { ...process.env, NODE_ENV: 'production' } })
  try {
    while (!await fetch(`${base}/-/ready`).then((r) => r.ok, () => false)) await new Promise((resolve) => setTimeout(resolve, 20))
    const startupMs = performance.now() - spawned
    log(`scale${nodeArgs.length > 0 ? ` (${nodeArgs.join(' ')})` : ''}: ${targets * 3} pairs ready in ${startupMs.toFixed(0)} ms; proxies: ${proxies.kind}`)
    await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000))

    const rss: number[] = []
    const heap: number[] = []
    const scrapes: number[] = []
    let last = { text: '', gzipBytes: 0, headersMs: 0 }
    const headers: number[] = []
    const before = await scrape(base)
    const cpu0 = cpuSeconds(proc.pid)
    const machine0 = machineTicks()
    const t0 = performance.now()
    while (performance.now() - t0 < seconds * 1000) {
      const started = performance.now()
      last = await scrape(base)
      scrapes.push(performance.now() - started)
      headers.push(last.headersMs)
      rss.push(rssBytes(proc.pid))
      heap.push(gauge(last.text, 'nodejs_heap_size_used_bytes'))
      if (scrapes.length % 6 === 0) log(`scale t=${((performance.now() - t0) / 1000).toFixed(0)}s rss ${(rss.at(-1)! / 2 ** 20).toFixed(0)} MB heap ${(heap.at(-1)! / 2 ** 20).toFixed(0)} MB scrape ${scrapes.at(-1)!.toFixed(0)} ms`)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, SCRAPE_EVERY_MS - (performance.now() - started))))
    }
    const elapsed = (performance.now() - t0) / 1000
    const gc = [...last.text.matchAll(/^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} (\S+)$/gm)].map((m) => `${m[2]} ${m[1]} ${Number(m[3]).toFixed(2)}`)
    log(`scale: gc ${gc.join(', ')}`)
    const cores = (cpuSeconds(proc.pid) - cpu0) / elapsed
    const machine1 = machineTicks()
    const machineBusyPct = 100 * (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total)
    const snapshotDir = process.env.BENCH_SCALE_HEAP_SNAPSHOT
    if (snapshotDir !== undefined) {
      // Diagnostics: the prober runs with --heapsnapshot-signal=SIGUSR2 (NODE_OPTIONS); a snapshot collects first.
      proc.child.kill('SIGUSR2')
      log(`scale: asked for a heap snapshot in ${snapshotDir}`)
      await new Promise((resolve) => setTimeout(resolve, 20_000))
    }

    // A reload of the same pairs with one target changed: how long, and does the pace hold?
    writeFileSync(file, config(0))
    const beforeReload = counter((await scrape(base)).text, 'egress_probes_total')
    const r0 = performance.now()
    const res = await fetch(`${base}/-/reload`, { method: 'POST' })
    const reloadMs = performance.now() - r0
    await new Promise((resolve) => setTimeout(resolve, intervalSeconds * 1000))
    const after = await scrape(base)
    const reload = { ms: reloadMs, ok: res.ok, probesNext30sPerPair: (counter(after.text, 'egress_probes_total') - beforeReload) / (targets * 3) }
    log(`scale: reload ${reloadMs.toFixed(0)} ms (${res.status}); probes in the next ${intervalSeconds} s per pair: ${reload.probesNext30sPerPair.toFixed(2)}`)

    const half = Math.floor(rss.length / 2)
    const floorEarly = Math.min(...rss.slice(0, half))
    const floorLate = Math.min(...rss.slice(half))
    const series = last.text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length
    const probes = counter(last.text, 'egress_probes_total') - counter(before.text, 'egress_probes_total')
    const successes = counter(last.text, 'egress_probes_total', 'result="success"') - counter(before.text, 'egress_probes_total', 'result="success"')
    return {
      nodeArgs,
      targets,
      pairs: targets * 3,
      intervalSeconds,
      seconds: elapsed,
      proxies: proxies.kind,
      startupMs,
      cores,
      machineBusyPct,
      rssMB: { max: Math.max(...rss) / 2 ** 20, floorEarly: floorEarly / 2 ** 20, floorLate: floorLate / 2 ** 20 },
      rssGrowthPct: ((floorLate - floorEarly) / floorEarly) * 100,
      rssFloorsByWindowMB: Array.from({ length: Math.ceil(rss.length / 60) }, (_, i) => Math.min(...rss.slice(i * 60, (i + 1) * 60)) / 2 ** 20),
      heapUsedMB: { max: Math.max(...heap) / 2 ** 20 },
      scrapeMs: summarize(scrapes),
      scrapeHeadersMs: summarize(headers),
      metricsBytes: last.text.length,
      metricsGzipBytes: last.gzipBytes,
      series,
      seriesPerPair: series / (targets * 3),
      skipped: counter(last.text, 'egress_probe_skipped_total'),
      startDelayP99Ms: histogramQuantile(last.text, 'egress_probe_start_delay_seconds', 0.99, before.text) * 1000,
      probes,
      successRatio: successes / Math.max(1, probes),
      reload,
    }
  } finally {
    await proc.stop()
    await proxies.stop()
  }
}

/** One scrape as Prometheus does it (gzip asked for), timed to the last byte by the caller. */
async function scrape (base: string): Promise<{ text: string, gzipBytes: number, headersMs: number }> {
  const t0 = performance.now()
  return await new Promise((resolve, reject) => {
    http.get(`${base}/metrics`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const headersMs = performance.now() - t0
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        const gzip = res.headers['content-encoding'] === 'gzip'
        resolve({ text: (gzip ? gunzipSync(body) : body).toString(), gzipBytes: gzip ? body.length : Number.NaN, headersMs })
      })
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** Busy and total jiffies of the whole machine (/proc/stat's first line). */
function machineTicks (): { busy: number, total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number)
  const total = fields.reduce((a, b) => a + b, 0)
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
  return { busy: total - idle, total }
}

function gauge (text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)
}

function counter (text: string, name: string, having = ''): number {
  return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))].filter((m) => m[1]!.includes(having)).reduce((a, m) => a + Number(m[2]), 0)
}

/** The upper bound of the bucket holding quantile q of the observations since `before`. */
function histogramQuantile (text: string, name: string, q: number, before: string): number {
  const read = (t: string): Map<string, number> => new Map([...t.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])]))
  const now = read(text)
  const then = read(before)
  const buckets = [...now].map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n - (then.get(le) ?? 0)] as const)
  const total = buckets.at(-1)?.[1] ?? 0
  return buckets.find(([, count]) => count >= q * total)?.[0] ?? Number.NaN
}
