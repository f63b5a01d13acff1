/**
 * Gives the run a folder where every spawned process is recorded (test/helpers/procs.ts). The
 * summary reporter checks exactly those processes at the end of the run; nothing here ever
 * looks at other processes: another test run on the same machine is none of its business.
 * The run's temporary files go there too (TMPDIR, inherited by the test workers and every
 * process they start), so removing the folder at the end leaves nothing in /tmp.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RUN_DIR_ENV } from './helpers/procs.js'

export default function setup (): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'egress-prober-run-'))
  process.env[RUN_DIR_ENV] = dir
  const previous = process.env.TMPDIR
  process.env.TMPDIR = join(dir, 'tmp')
  mkdirSync(process.env.TMPDIR)
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    rmSync(dir, { recursive: true, force: true })
  }
}
