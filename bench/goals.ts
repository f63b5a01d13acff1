/** The issue's goals, each with the measured value and whether it was met. */
import { pathLabel, type BenchResult } from './result.js'

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
    // #14: CPU per probe through /probe, per path: ≤ 1.2 × blackbox on plain HTTP, ≤ 1.5 × on https.
    for (const row of rows) {
      const limit = row.scheme === 'http' ? 1.2 : 1.5
      const ratio = row.tools[US]!.cpuMsPerProbe / row.tools[BB]!.cpuMsPerProbe
      out.push({ goal: `CPU per probe ≤ ${limit} × blackbox (${pathLabel(row.scheme, row.path)})`, measured: `${ratio.toFixed(2)} × (${row.tools[US]!.cpuMsPerProbe.toFixed(2)} vs ${row.tools[BB]!.cpuMsPerProbe.toFixed(2)} ms)`, met: ratio <= limit })
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
    const at = `${s.pairs.toLocaleString('en')} pairs at ${s.intervalSeconds} s`
    out.push({ goal: `CPU ≤ 0.5 core (${at})`, measured: `${s.cores.toFixed(2)} cores`, met: s.cores <= 0.5 })
    out.push({ goal: 'RSS ≤ 200 MB', measured: `max ${s.rssMB.max.toFixed(0)} MB (floors ${s.rssMB.floorEarly.toFixed(0)} → ${s.rssMB.floorLate.toFixed(0)} MB)`, met: s.rssMB.max <= 200 })
    out.push({ goal: '/metrics p99 ≤ 300 ms, scraped every 5 s', measured: `${s.scrapeMs.p99.toFixed(0)} ms (p50 ${s.scrapeMs.p50.toFixed(0)} ms)`, met: s.scrapeMs.p99 <= 300 })
    out.push({ goal: 'zero skipped slots', measured: String(s.skipped), met: s.skipped === 0 })
    out.push({ goal: 'start delay p99 ≤ 100 ms', measured: `≤ ${s.startDelayP99Ms.toFixed(0)} ms (bucket bound)`, met: s.startDelayP99Ms <= 100 })
    out.push({ goal: '≥ 99.9 % success with healthy proxies and targets', measured: `${(s.successRatio * 100).toFixed(2)} % of ${s.probes.toLocaleString('en')}`, met: s.successRatio >= 0.999 })
    out.push({ goal: '≤ 12 series per pair by default', measured: `${s.seriesPerPair.toFixed(2)} (${s.series.toLocaleString('en')} series)`, met: s.seriesPerPair <= 12 })
    out.push({ goal: 'start-up with 10,000 pairs ≤ 3 s to ready', measured: `${(s.startupMs / 1000).toFixed(2)} s`, met: s.startupMs <= 3000 })
    out.push({ goal: 'reload of a 10,000-pair config ≤ 1 s, schedule kept', measured: `${(s.reload.ms / 1000).toFixed(2)} s; ${s.reload.probesNext30sPerPair.toFixed(2)} probes per pair in the next interval`, met: s.reload.ok && s.reload.ms <= 1000 && Math.abs(s.reload.probesNext30sPerPair - 1) <= 0.1 })
    out.push({ goal: 'RSS flat (second-half floor within 10 % of the first half)', measured: `${s.rssGrowthPct.toFixed(1)} %`, met: s.rssGrowthPct < 10 })
  }
  const c = r.scaleCapped
  if (c !== undefined) {
    out.push({ goal: `RSS ≤ 200 MB with ${c.nodeArgs.join(' ')}`, measured: `max ${c.rssMB.max.toFixed(0)} MB at ${c.cores.toFixed(2)} cores`, met: c.rssMB.max <= 200 })
  }
  const d = r.detection
  if (d !== undefined) out.push({ goal: 'detection ≤ one interval + 1 s', measured: `median ${d.seconds.p50.toFixed(2)} s, max ${d.seconds.max.toFixed(2)} s`, met: d.seconds.p50 <= d.intervalSeconds + 1 })
  return out
}

export function goalsTable (r: BenchResult): string {
  return ['| goal | measured | met |', '|---|---|---|', ...goals(r).map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`)].join('\n')
}
