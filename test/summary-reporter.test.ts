/** The closing line CI reads counts what really failed, and agrees with the exit code. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { RUN_DIR_ENV } from './helpers/procs.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

it('counts failed hooks, files that fail to load and processes left behind, and exits 1', () => {
  const env = { ...process.env }
  delete env[RUN_DIR_ENV] // the nested run gets its own folder from its own global setup
  const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/reporter/vitest.config.ts'], {
    cwd: ROOT, env, encoding: 'utf8', timeout: 60_000,
  })
  // passed: `passes` and the leftover test; failed: the hook's suite, the file that throws while
  // loading, the process left behind; skipped: the test under the failed hook.
  expect(r.stdout.trim().split('\n').at(-1)).toBe('2 passed, 3 failed, 1 skipped')
  expect(r.stderr).toMatch(/left behind \(killed now\):\n\d+ /)
  expect(r.status).toBe(1)
}, 90_000)
