/** bench/results/latest.{json,md,svg}: both tools' figures side by side, ratios, goals. */
import type { Summary } from './lib/stats.js'
import type { ScaleResult } from './scale.js'
import { goalsTable } from './goals.js'
import { pathLabel, type BenchResult } from './result.js'

export type { BenchResult } from './result.js'

const BB = 'blackbox_exporter'
const US = 'egress-prober'
const f = (x: number, d = 3): string => Number.isFinite(x) ? x.toFixed(d) : 'n/a'
const ratio = (ours: number, theirs: number): string => theirs > 0 && Number.isFinite(ours) ? (ours / theirs).toFixed(2) : 'n/a'
const triple = (s: Summary): string => `${f(s.min)} / ${f(s.p50)} / ${f(s.p99)}`

/** The markdown report; `analysis` (bench/analysis.md) says what remains and why. */
export function markdown (r: BenchResult, analysis = ''): string {
  const out: string[] = []
  out.push('# Benchmark: egress-prober vs blackbox_exporter', '',
    `Run ${r.date} with \`npm run bench\` on ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGB} GiB, ${r.machine.kernel} (${r.machine.sandbox}).`,
    `egress-prober ${r.versions.egressProber} on Node ${r.versions.node}; blackbox_exporter ${r.versions.blackbox} (Debian). Loopback only; servers and proxies run in a separate process.`, '',
    '## Goals', '', goalsTable(r), '')
  out.push('## Accuracy (overhead over the true 100 ms hold, ms: min / median / p99)', '',
    `${r.probesPerPath} probes per tool per path, driven through each tool's \`/probe\`, one at a time, both tools each round in a random order. TTFB from when the tool has its connection (blackbox's \`processing\`; ours: total minus the phases before the connection and the transfer, so it includes undici's setup). Ratio = egress-prober / blackbox on the medians (lower is better).`, '',
    '| path | TTFB: blackbox | TTFB: egress-prober | ratio | total: blackbox | total: egress-prober | ratio | server hold p50 / p99 |',
    '|---|---|---|---|---|---|---|---|')
  for (const row of r.accuracy) {
    const bb = row.tools[BB]!
    const us = row.tools[US]!
    out.push(`| ${pathLabel(row.scheme, row.path)} | ${triple(bb.ttfbOverheadMs)} | ${triple(us.ttfbOverheadMs)} | ${ratio(us.ttfbOverheadMs.p50, bb.ttfbOverheadMs.p50)} | ${triple(bb.totalOverheadMs)} | ${triple(us.totalOverheadMs)} | ${ratio(us.totalOverheadMs.p50, bb.totalOverheadMs.p50)} | ${f(row.serverHoldMs.p50)} / ${f(row.serverHoldMs.p99)} |`)
  }
  out.push('', '![accuracy](latest.svg)', '', '## Cost (CPU ms per probe, the tool process alone, from /proc/PID/stat)', '',
    '| path | blackbox | egress-prober | ratio |', '|---|---|---|---|')
  for (const row of r.accuracy) out.push(`| ${pathLabel(row.scheme, row.path)} | ${f(row.tools[BB]!.cpuMsPerProbe, 2)} | ${f(row.tools[US]!.cpuMsPerProbe, 2)} | ${ratio(row.tools[US]!.cpuMsPerProbe, row.tools[BB]!.cpuMsPerProbe)} |`)
  out.push('', '## Capacity (probes/s through /probe, http direct, 100 ms hold)', '',
    '| concurrency | blackbox probes/s | p50 ms | egress-prober probes/s | p50 ms |', '|---|---|---|---|---|')
  const bbLevels = r.capacity[BB]?.levels ?? []
  const usLevels = r.capacity[US]?.levels ?? []
  for (let i = 0; i < Math.max(bbLevels.length, usLevels.length); i++) {
    const b = bbLevels[i]
    const u = usLevels[i]
    out.push(`| ${b?.concurrency ?? u?.concurrency} | ${f(b?.probesPerSecond ?? NaN, 0)} | ${f(b?.p50Ms ?? NaN, 1)} | ${f(u?.probesPerSecond ?? NaN, 0)} | ${f(u?.p50Ms ?? NaN, 1)} |`)
  }
  const kb = r.capacity[BB]?.knee
  const ku = r.capacity[US]?.knee
  if (kb !== undefined && ku !== undefined) {
    out.push('', `Knee (last level with median latency ≤ 1.5× the single-probe median): blackbox ${f(kb.probesPerSecond, 0)}/s at ${kb.concurrency}, egress-prober ${f(ku.probesPerSecond, 0)}/s at ${ku.concurrency}; ratio ${ratio(ku.probesPerSecond, kb.probesPerSecond)}.`)
  }
  if (r.scale !== undefined) {
    const runs = [r.scale, ...(r.scaleCapped !== undefined ? [r.scaleCapped] : [])]
    const s = r.scale
    const row = (what: string, value: (x: ScaleResult) => string): string => `| ${what} | ${runs.map(value).join(' | ')} |`
    out.push('', `## Scale (egress-prober alone: ${s.targets.toLocaleString('en')} targets × 3 paths = ${s.pairs.toLocaleString('en')} pairs every ${s.intervalSeconds} s, a third https)`, '',
      `Proxies: ${s.proxies}. Targets: the bench servers (a 5 ms answer). \`max_concurrent_probes: 128\`. Each run measured for ${f(s.seconds, 0)} s after a 30 s warm-up, scraped every 5 s with gzip as Prometheus does; targets, proxies and the bench itself share the same 2 cores.`, '',
      `| measure | ${runs.map((x) => x.nodeArgs.length === 0 ? 'Node defaults' : x.nodeArgs.join(' ')).join(' | ')} |`, `|---|${runs.map(() => '---|').join('')}`,
      row('start-up to ready', (x) => `${f(x.startupMs, 0)} ms`),
      row('CPU', (x) => `${f(x.cores, 2)} cores (machine ${f(x.machineBusyPct, 0)} % busy)`),
      row('RSS max / floor of the first half / of the second half', (x) => `${f(x.rssMB.max, 0)} / ${f(x.rssMB.floorEarly, 0)} / ${f(x.rssMB.floorLate, 0)} MB`),
      row('V8 heap used, max', (x) => `${f(x.heapUsedMB.max, 0)} MB`),
      row(`/metrics scrape p50 / p90 / p99 (gzip ${f(s.metricsGzipBytes / 2 ** 20, 2)} MiB of ${f(s.metricsBytes / 2 ** 20, 1)} MiB)`, (x) => `${f(x.scrapeMs.p50, 0)} / ${f(x.scrapeMs.p90, 0)} / ${f(x.scrapeMs.p99, 0)} ms`),
      row('… of which until the headers (p50)', (x) => `${f(x.scrapeHeadersMs.p50, 0)} ms`),
      row('series (per pair)', (x) => `${x.series.toLocaleString('en')} (${f(x.seriesPerPair, 2)})`),
      row('skipped slots', (x) => String(x.skipped)),
      row('start delay p99 (bucket bound)', (x) => `≤ ${f(x.startDelayP99Ms, 0)} ms`),
      row('probes / success', (x) => `${x.probes.toLocaleString('en')} / ${f(x.successRatio * 100, 2)} %`),
      row(`reload of the ${s.pairs.toLocaleString('en')} pairs (one target changed)`, (x) => `${f(x.reload.ms, 0)} ms${x.reload.ok ? '' : ' (failed)'}; ${f(x.reload.probesNext30sPerPair, 2)} probes per pair in the next ${x.intervalSeconds} s`))
  }
  if (r.detection !== undefined) {
    const d = r.detection
    out.push('', '## Detection (kill the SOCKS proxy → `egress_proxy_up` 0 on /metrics)', '',
      `Runs: ${d.runsSeconds.map((x) => f(x, 2)).join(', ')} s; median ${f(d.seconds.p50, 2)} s (goal ≤ one interval + 1 s = ${d.intervalSeconds + 1} s).`)
  }
  if (analysis !== '') out.push('', analysis.trim())
  return out.join('\n') + '\n'
}

/** Box plots (min–p99 whisker, p50 mark) of the TTFB overhead per path, both tools. */
export function svg (r: BenchResult): string {
  const rows = r.accuracy
  const maxMs = Math.max(3, ...rows.flatMap((row) => Object.values(row.tools).map((t) => t.ttfbOverheadMs.p99)))
  const W = 720
  const left = 130
  const scale = (ms: number): number => left + (Math.max(0, ms) / maxMs) * (W - left - 20)
  const H = 56 + rows.length * 44
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    '<text x="10" y="18" font-weight="bold">TTFB overhead over the 100 ms hold (ms): min–p99 whisker, box p50–p90, mark p50</text>']
  rows.forEach((row, i) => {
    const y = 50 + i * 44
    parts.push(`<text x="10" y="${y + 18}">${row.scheme} via ${row.path}</text>`)
    ;[[BB, '#888'], [US, '#1f77b4']].forEach(([name, color], j) => {
      const s = row.tools[name!]!.ttfbOverheadMs
      const yy = y + 6 + j * 16
      parts.push(`<line x1="${scale(s.min)}" x2="${scale(s.p99)}" y1="${yy + 5}" y2="${yy + 5}" stroke="${color}"/>`,
        `<rect x="${scale(s.p50)}" y="${yy}" width="${Math.max(1, scale(s.p90) - scale(s.p50))}" height="10" fill="${color}" opacity="0.5"/>`,
        `<line x1="${scale(s.p50)}" x2="${scale(s.p50)}" y1="${yy - 1}" y2="${yy + 11}" stroke="${color}" stroke-width="2"/>`)
    })
  })
  for (let ms = 0; ms <= maxMs; ms += Math.max(1, Math.round(maxMs / 6))) {
    parts.push(`<line x1="${scale(ms)}" x2="${scale(ms)}" y1="44" y2="${H - 14}" stroke="#eee"/><text x="${scale(ms) - 4}" y="${H - 2}">${ms}</text>`)
  }
  parts.push('<text x="10" y="36" fill="#888">■ blackbox_exporter</text><text x="150" y="36" fill="#1f77b4">■ egress-prober</text></svg>')
  return parts.join('\n') + '\n'
}
