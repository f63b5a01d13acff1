/**
 * Scale, egress-prober alone: 1,000 targets × 3 vias every 15 s against loopback targets.
 * Samples RSS and /metrics render time each second; reads the scheduler slip
 * (egress_probe_start_delay_seconds) and event-loop delay from /metrics.
 */
import { writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { freePorts } from '../test/helpers/ports.js'
import { rssBytes, startProc } from './lib/proc.js'
import { summarize, type Summary } from './lib/stats.js'
import { ROOT, type Servers } from './lib/tools.js'

export interface ScaleResult {
  targets: number
  pairs: number
  seconds: number
  rssMaxMB: number
  rssGrowthPct: number
  renderMs: Summary
  metricsBytes: number
  /** Samples in the last /metrics, and its size gzip-compressed as sent to Prometheus. */
  series: number
  metricsGzipBytes: number
  slipP99Ms: number
  eventLoopDelayP99Ms: Summary
  probesRun: number
}

export async function runScale (s: Servers, dir: string, seconds: number, targets: number, log: (s: string) => void): Promise<ScaleResult> {
  const [port] = await freePorts(1) as [number]
  const lines = Array.from({ length: targets }, (_, i) => `  - { name: t${String(i).padStart(4, '0')}, url: "http://127.0.0.1:${s.httpPort}/sleep?ms=5&t=${i}" }`)
  const file = join(dir, 'scale.yml')
  writeFileSync(file, `listen: 127.0.0.1:${port}
defaults: { interval: 15s, timeout: 5s }
max_concurrent_probes: 256
proxies: { http: "http://127.0.0.1:${s.connectPort}", socks: "socks5://127.0.0.1:${s.socksPort}" }
targets:
${lines.join('\n')}
`)
  const proc = await startProc(process.execPath, [join(ROOT, 'dist/cli.js'), `--config.file=${file}`, '--log.level=info'],
    { ready: /egress-prober started/, env: { ...process.env, NODE_ENV: 'production' } })
  const base = `http://127.0.0.1:${port}`
  const rss: { t: number, bytes: number }[] = []
  const render: number[] = []
  const loopP99: number[] = []
  let metricsBytes = 0
  let last = ''
  const started = Date.now()
  try {
    while (Date.now() - started < seconds * 1000) {
      const t0 = performance.now()
      last = await (await fetch(`${base}/metrics`)).text()
      render.push(performance.now() - t0)
      metricsBytes = last.length
      rss.push({ t: (Date.now() - started) / 1000, bytes: rssBytes(proc.pid) })
      loopP99.push(Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(last)?.[1] ?? Number.NaN) * 1000)
      if (rss.length % 15 === 0) log(`scale t=${rss.at(-1)!.t.toFixed(0)}s rss ${(rss.at(-1)!.bytes / 2 ** 20).toFixed(0)}MB render ${render.at(-1)!.toFixed(0)}ms`)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - t0))))
    }
  } finally {
    await proc.stop()
  }
  // Warm-up: the first 30 s (every pair has run twice). RSS saw-tooths with V8's garbage
  // collection, so growth compares the floors (minimum RSS) of [30 s, 60 s) and the last 30 s.
  const floor = (xs: number[]): number => Math.min(...xs)
  const early = floor(rss.filter((r) => r.t >= 30 && r.t < 60).map((r) => r.bytes))
  const late = floor(rss.filter((r) => r.t >= seconds - 30).map((r) => r.bytes))
  return {
    targets,
    pairs: targets * 3,
    seconds,
    rssMaxMB: Math.max(...rss.map((r) => r.bytes)) / 2 ** 20,
    rssGrowthPct: ((late - early) / early) * 100,
    renderMs: summarize(render.slice(5)),
    metricsBytes,
    series: last.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
    metricsGzipBytes: gzipSync(last, { level: 1 }).length,
    slipP99Ms: histogramQuantile(last, 'egress_probe_start_delay_seconds', 0.99) * 1000,
    eventLoopDelayP99Ms: summarize(loopP99.filter((v) => Number.isFinite(v))),
    probesRun: sumCounter(last, 'egress_probes_total'),
  }
}

/** The upper bound of the bucket holding quantile q (what the buckets allow us to say). */
function histogramQuantile (text: string, name: string, q: number): number {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [Number(m[1] === '+Inf' ? Infinity : m[1]), Number(m[2])] as const)
  const total = buckets.at(-1)?.[1] ?? 0
  return buckets.find(([, count]) => count >= q * total)?.[0] ?? Number.NaN
}

function sumCounter (text: string, name: string): number {
  return [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0)
}
