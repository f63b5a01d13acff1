/**
 * `npm run bench:regex`: what RE2 (re2js, src/config/pattern.ts) costs against V8's RegExp on
 * the bodies and banners probes match, and what it saves on a hostile one. CPU only, in process.
 */
import { writeFileSync } from 'node:fs'
import { Pattern } from '../src/config/pattern.js'

interface Row { case: string, input: string, re2_ms: number, v8_ms: number | string }

function once (f: () => void): number {
  const started = performance.now()
  f()
  return performance.now() - started
}

function time (f: () => void, runs: number): number {
  f() // warm-up
  const started = performance.now()
  for (let i = 0; i < runs; i++) f()
  return (performance.now() - started) / runs
}

const json = JSON.stringify({ data: Array.from({ length: 6000 }, (_, i) => ({ id: `model-${i}`, object: 'model', owned_by: 'system' })) })
const cases: { name: string, pattern: string, input: string, label: string, runs: number, v8?: false }[] = [
  { name: 'geo-block rule, 64 KiB JSON body (no match)', pattern: 'unsupported_country_region_territory', input: json.slice(0, 65536), label: '64 KiB', runs: 200 },
  { name: 'geo-block rule, 1 MiB JSON body (no match)', pattern: 'unsupported_country_region_territory', input: json.padEnd(1 << 20, ' ').slice(0, 1 << 20), label: '1 MiB', runs: 20 },
  { name: 'body_regex with a class, 64 KiB', pattern: '"id":"model-[0-9]+"', input: json.slice(0, 65536), label: '64 KiB', runs: 200 },
  { name: 'SSH banner line', pattern: '^SSH-2\\.0-', input: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', label: '38 B', runs: 100_000 },
  { name: 'catastrophic ^(a+)+$, 28-byte body', pattern: '^(a+)+$', input: `${'a'.repeat(27)}!`, label: '28 B', runs: 1000 },
  { name: 'catastrophic ^(a+)+$, 1 MiB body', pattern: '^(a+)+$', input: `${'a'.repeat((1 << 20) - 1)}!`, label: '1 MiB', runs: 5, v8: false },
]

const rows: Row[] = cases.map((c) => {
  const p = new Pattern(c.pattern)
  const re = new RegExp(c.pattern)
  const re2 = time(() => p.test(c.input), c.runs)
  // V8 on the 28-byte catastrophic body takes seconds (7.3 s measured): once, not in a loop.
  const v8 = c.v8 === false ? 'years (not run)' : c.pattern.startsWith('^(a+)') ? once(() => re.test(c.input)) : time(() => re.test(c.input), c.runs)
  return { case: c.name, input: c.label, re2_ms: Number(re2.toFixed(4)), v8_ms: typeof v8 === 'number' ? Number(v8.toFixed(4)) : v8 }
})
console.table(rows)
writeFileSync('bench/results/regex.json', JSON.stringify({ node: process.version, at: new Date().toISOString(), rows }, null, 2) + '\n')
