/**
 * Accuracy and cost: the same probes, one at a time, both tools in a random order each round,
 * against a target that holds its first byte exactly 100 ms. Overhead = reported − 100 ms; CPU
 * per probe from /proc/PID/stat around each path's loop.
 */
import { cpuSeconds } from './lib/proc.js'
import { summarize, type Summary } from './lib/stats.js'
import { PATHS, probe, type Path, type Scheme, type Servers, type Tool } from './lib/tools.js'

export interface AccuracyRow {
  path: Path
  scheme: Scheme
  tools: Record<string, { ttfbOverheadMs: Summary, totalOverheadMs: Summary, cpuMsPerProbe: number, failures: number, samples: { ttfb: number[], total: number[] } }>
  serverHoldMs: Summary
}

const HOLD_S = 0.1
const WARMUP = 20

export async function runAccuracy (servers: Servers, tools: Tool[], n: number, log: (s: string) => void): Promise<AccuracyRow[]> {
  const rows: AccuracyRow[] = []
  for (const scheme of ['http', 'https'] as const) {
    for (const path of PATHS) {
      for (let i = 0; i < WARMUP; i++) for (const t of tools) await probe(t.probeUrl(path, scheme, 'hold'))
      await fetch(`http://127.0.0.1:${servers.httpPort}/stats`) // reset the hold statistics
      const acc = new Map(tools.map((t) => [t.name, { ttfb: [] as number[], total: [] as number[], cpu: cpuSeconds(t.proc.pid), failures: 0 }]))
      for (let i = 0; i < n; i++) {
        // A random order each round: neither tool always probes right after the other.
        for (const t of Math.random() < 0.5 ? tools : [...tools].reverse()) {
          const a = acc.get(t.name)!
          const s = await probe(t.probeUrl(path, scheme, 'hold'))
          if (!s.ok) { a.failures++; continue }
          a.ttfb.push((s.ttfb - HOLD_S) * 1000)
          a.total.push((s.total - HOLD_S) * 1000)
        }
      }
      const hold = await (await fetch(`http://127.0.0.1:${servers.httpPort}/stats`)).json() as Summary
      const row: AccuracyRow = { path, scheme, tools: {}, serverHoldMs: hold }
      // Each tool's CPU over the whole loop (it idles while the other probes), per probe.
      for (const t of tools) { const a = acc.get(t.name)!; a.cpu = cpuSeconds(t.proc.pid) - a.cpu }
      for (const [name, a] of acc) {
        row.tools[name] = {
          ttfbOverheadMs: summarize(a.ttfb),
          totalOverheadMs: summarize(a.total),
          cpuMsPerProbe: (a.cpu * 1000) / n,
          failures: a.failures,
          samples: { ttfb: a.ttfb, total: a.total },
        }
      }
      log(`accuracy ${scheme} via ${path}: ${Object.entries(row.tools).map(([k, v]) => `${k} ttfb+${v.ttfbOverheadMs.p50.toFixed(3)}ms cpu ${v.cpuMsPerProbe.toFixed(2)}ms`).join(', ')}; hold p50 ${hold.p50.toFixed(3)}ms`)
      rows.push(row)
    }
  }
  return rows
}
