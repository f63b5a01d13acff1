/**
 * Gives the run a folder where every spawned process is recorded (test/helpers/procs.ts). The
 * summary reporter checks exactly those processes at the end of the run; nothing here ever
 * looks at other processes: another test run on the same machine is none of its business.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RUN_DIR_ENV } from './helpers/procs.js'

export default function setup (): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'egress-prober-run-'))
  process.env[RUN_DIR_ENV] = dir
  return () => { rmSync(dir, { recursive: true, force: true }) }
}
