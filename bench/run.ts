/**
 * npm run bench: egress-prober and blackbox_exporter side by side on loopback (bounded, about
 * sixteen minutes on 2 cores). Writes bench/results/latest.{json,md,svg}. Knobs (environment):
 * BENCH_PROBES (per tool per path, default 250), BENCH_SCALE_SECONDS (180; 1800 for the soak),
 * BENCH_SCALE_TARGETS (3334: × 3 paths = 10,002 pairs), BENCH_DETECTION_RUNS (5),
 * BENCH_CAPACITY_SECONDS (3), BENCH_ONLY (comma list of accuracy,capacity,scale,detection).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { VERSION } from '../src/version.js'
import { runAccuracy } from './accuracy.js'
import { runCapacity, type CapacityResult } from './capacity.js'
import { runDetection } from './detection.js'
import { startProc } from './lib/proc.js'
import { startBlackbox, startEgressProber, versions, type Servers } from './lib/tools.js'
import { markdown, svg, type BenchResult } from './report.js'
import { runScale } from './scale.js'

/** The old-space cap of the second scale run (MB): twice the live heap a snapshot showed at 10,002 pairs (59 MB). */
const CAPPED_HEAP_MB = 128
const env = (k: string, d: number): number => Number(process.env[k] ?? d)
const only = new Set((process.env.BENCH_ONLY ?? 'accuracy,capacity,scale,detection').split(','))
const log = (s: string): void => { process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`) }
const OUT = fileURLToPath(new URL('./results/', import.meta.url))

if (spawnSync('sh', ['-c', 'command -v prometheus-blackbox-exporter']).status !== 0) {
  process.stderr.write('bench: prometheus-blackbox-exporter is missing: apt-get install prometheus-blackbox-exporter\n')
  process.exit(2)
}

const dir = mkdtempSync(join(tmpdir(), 'egress-prober-bench-'))
const servers = await startProc(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./servers.ts', import.meta.url))], { ready: /^\{/ })
const s = JSON.parse(servers.line) as Servers
const stops: (() => Promise<void>)[] = [servers.stop]
const limitMin = 30 + 2 * env('BENCH_SCALE_SECONDS', 180) / 60
const deadline = setTimeout(() => { log(`bench: over ${limitMin.toFixed(0)} minutes, stopping`); void Promise.all(stops.map((x) => x())).then(() => process.exit(1)) }, limitMin * 60_000)

try {
  const [bb, us] = await Promise.all([startBlackbox(s, dir), startEgressProber(s, dir)])
  stops.push(bb.proc.stop, us.proc.stop)
  const tools = [bb, us]
  // Let both settle: Node compiles and collects for a few seconds after start-up.
  await new Promise((resolve) => setTimeout(resolve, 10_000))
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU'
  const sandbox = /runsc|gvisor/i.test(readFileSync('/etc/hosts', 'utf8')) || /gVisor/i.test(spawnSync('dmesg', { encoding: 'utf8' }).stdout ?? '') ? 'gVisor sandbox' : 'no sandbox detected'
  const result: BenchResult = {
    date: new Date().toISOString(),
    machine: { cpu: cpuModel, cores: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30), kernel: `Linux ${release()}`, sandbox },
    versions: { egressProber: VERSION, blackbox: versions().blackbox, node: process.version },
    probesPerPath: env('BENCH_PROBES', 250),
    accuracy: [],
    capacity: {},
  }
  if (only.has('accuracy')) result.accuracy = await runAccuracy(s, tools, result.probesPerPath, log)
  if (only.has('capacity')) {
    const capacity: Record<string, CapacityResult> = {}
    for (const t of tools) capacity[t.name] = await runCapacity(t, env('BENCH_CAPACITY_SECONDS', 3) * 1000, log)
    result.capacity = capacity
  }
  await Promise.all([bb.proc.stop(), us.proc.stop()])
  if (only.has('scale')) {
    result.scale = await runScale(s, dir, env('BENCH_SCALE_SECONDS', 180), env('BENCH_SCALE_TARGETS', 3334), log)
    // The same with V8's old space capped: what RSS costs when the heap may not grow lazily.
    result.scaleCapped = await runScale(s, dir, env('BENCH_SCALE_SECONDS', 180), env('BENCH_SCALE_TARGETS', 3334), log, [`--max-old-space-size=${CAPPED_HEAP_MB}`])
  }
  if (only.has('detection')) result.detection = await runDetection(s, dir, env('BENCH_DETECTION_RUNS', 5), log)
  mkdirSync(OUT, { recursive: true })
  const slim = { ...result, accuracy: result.accuracy.map((row) => ({ ...row, tools: Object.fromEntries(Object.entries(row.tools).map(([k, v]) => [k, { ...v, samples: undefined }])) })) }
  writeFileSync(join(OUT, 'latest.json'), JSON.stringify(slim, null, 2) + '\n')
  const analysis = fileURLToPath(new URL('./analysis.md', import.meta.url))
  writeFileSync(join(OUT, 'latest.md'), markdown(result, existsSync(analysis) ? readFileSync(analysis, 'utf8') : ''))
  if (result.accuracy.length > 0) writeFileSync(join(OUT, 'latest.svg'), svg(result))
  log(`wrote ${OUT}latest.{json,md,svg}`)
} finally {
  clearTimeout(deadline)
  await Promise.all(stops.map((x) => x()))
}
