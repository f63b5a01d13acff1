/**
 * npm run bench:scale-soak: the scale scenario (10,002 pairs at 30 s through microsocks and
 * tinyproxy) for 30 minutes, to see whether RSS stays flat. Writes bench/results/scale-soak.json
 * with the RSS floor of each 5-minute window. SCALE_SOAK_SECONDS (1800) and
 * BENCH_SCALE_TARGETS (3334) change it. Loopback only.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startProc } from './lib/proc.js'
import type { Servers } from './lib/tools.js'
import { runScale } from './scale.js'

const seconds = Number(process.env.SCALE_SOAK_SECONDS ?? 1800)
const targets = Number(process.env.BENCH_SCALE_TARGETS ?? 3334)
const log = (s: string): void => { process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`) }
const servers = await startProc(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./servers.ts', import.meta.url))], { ready: /^\{/ })
try {
  const s = JSON.parse(servers.line) as Servers
  const result = await runScale(s, mkdtempSync(join(tmpdir(), 'egress-prober-soak-')), seconds, targets, log)
  const out = fileURLToPath(new URL('./results/scale-soak.json', import.meta.url))
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2) + '\n')
  log(`wrote ${out}`)
} finally {
  await servers.stop()
}
