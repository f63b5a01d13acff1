/** The issue's goals, each with the measured value and whether it was met. */
import type { BenchResult } from './report.js'

export interface Goal { goal: string, measured: string, met: boolean }

const BB = 'blackbox_exporter'
const US = 'egress-prober'

export function goals (r: BenchResult): Goal[] {
  const out: Goal[] = []
  const rows = r.accuracy
  if (rows.length > 0) {
    const worse = rows.filter((row) => row.tools[US]!.ttfbOverheadMs.p50 > row.tools[BB]!.ttfbOverheadMs.p50)
    out.push({ goal: 'median TTFB overhead ≤ blackbox on every path', measured: worse.length === 0 ? 'on every path' : `above on ${worse.map((w) => `${w.scheme} via ${w.path}`).join(', ')}`, met: worse.length === 0 })
    const maxMedian = Math.max(...rows.map((row) => row.tools[US]!.ttfbOverheadMs.p50))
    out.push({ goal: 'median TTFB overhead ≤ 1 ms', measured: `worst path ${maxMedian.toFixed(3)} ms`, met: maxMedian <= 1 })
    const maxP99 = Math.max(...rows.map((row) => row.tools[US]!.ttfbOverheadMs.p99))
    out.push({ goal: 'p99 TTFB overhead ≤ 3 ms', measured: `worst path ${maxP99.toFixed(3)} ms`, met: maxP99 <= 3 })
    for (const path of ['http', 'socks'] as const) {
      const row = rows.find((x) => x.scheme === 'https' && x.path === path)
      if (row === undefined) continue
      const ratio = row.tools[US]!.cpuMsPerProbe / row.tools[BB]!.cpuMsPerProbe
      out.push({ goal: `CPU per probe ≤ 1.0 × blackbox (https via ${path === 'http' ? 'HTTP proxy' : 'SOCKS5'})`, measured: `${ratio.toFixed(2)} ×`, met: ratio <= 1 })
    }
  }
  const kb = r.capacity[BB]?.knee
  const ku = r.capacity[US]?.knee
  if (kb !== undefined && ku !== undefined) {
    const ratio = ku.probesPerSecond / kb.probesPerSecond
    out.push({ goal: 'capacity ≥ 1.0 × blackbox probes/s', measured: `${ratio.toFixed(2)} × (${ku.probesPerSecond.toFixed(0)} vs ${kb.probesPerSecond.toFixed(0)} /s at the knee)`, met: ratio >= 1 })
  }
  const s = r.scale
  if (s !== undefined) {
    out.push({ goal: 'RSS ≤ 150 MB (1,000 × 3 pairs)', measured: `${s.rssMaxMB.toFixed(0)} MB`, met: s.rssMaxMB <= 150 })
    out.push({ goal: 'RSS flat (growth < 5 % after warm-up)', measured: `${s.rssGrowthPct.toFixed(1)} %`, met: s.rssGrowthPct < 5 })
    out.push({ goal: '/metrics render p99 ≤ 100 ms', measured: `${s.renderMs.p99.toFixed(1)} ms`, met: s.renderMs.p99 <= 100 })
    out.push({ goal: 'scheduler slip p99 ≤ 50 ms', measured: `≤ ${s.slipP99Ms.toFixed(0)} ms (bucket bound)`, met: s.slipP99Ms <= 50 })
  }
  const d = r.detection
  if (d !== undefined) out.push({ goal: 'detection ≤ one interval + 1 s', measured: `median ${d.seconds.p50.toFixed(2)} s, max ${d.seconds.max.toFixed(2)} s`, met: d.seconds.p50 <= d.intervalSeconds + 1 })
  return out
}

export function goalsTable (r: BenchResult): string {
  return ['| goal | measured | met |', '|---|---|---|', ...goals(r).map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`)].join('\n')
}
