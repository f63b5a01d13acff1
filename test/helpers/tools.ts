/**
 * External tools (promtool, v2ray, ...). On a laptop without them the tests that need them skip
 * with a printed reason; with E2E_REQUIRED=1 (CI) a missing tool fails the run instead.
 */
import { spawnSync } from 'node:child_process'

export const E2E_REQUIRED = process.env.E2E_REQUIRED === '1'

export function hasTool (name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0
}

/** True when every tool is present; otherwise prints why the caller skips, or throws in CI. */
export function requireTools (...names: string[]): boolean {
  const missing = names.filter((n) => !hasTool(n))
  if (missing.length === 0) return true
  const why = `missing ${missing.join(', ')} (apt-get install the Debian packages named in .ci/run)`
  if (E2E_REQUIRED) throw new Error(`E2E_REQUIRED=1 but ${why}`)
  console.warn(`skipping: ${why}`)
  return false
}

/** Runs `promtool check metrics` on an exposition text; returns its complaints ('' when clean). */
export function promtoolCheckMetrics (text: string): { status: number | null, output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 })
  return { status: r.status, output: (r.stdout + r.stderr).trim() }
}
