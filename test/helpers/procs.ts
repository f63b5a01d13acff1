/**
 * Every process a test starts goes through `spawnTracked`: its pid and start time are written
 * to the run's own folder (made by test/global-setup.ts), so the end of the run checks exactly
 * the processes this run started, and nothing else on the machine.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { appendFileSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const RUN_DIR_ENV = 'EGRESS_PROBER_TEST_RUN_DIR'

/** The start time of a process in clock ticks since boot (/proc/PID/stat field 22); undefined when gone. */
export function startTime (pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

/** Spawns a process (as `spawn` does, same types) and records it as this run's. */
export const spawnTracked = ((cmd: string, args: readonly string[], opts: SpawnOptions): ChildProcess => {
  const child = spawn(cmd, args, opts)
  const dir = process.env[RUN_DIR_ENV]
  if (child.pid !== undefined && dir !== undefined) {
    appendFileSync(join(dir, `${process.pid}.pids`), `${child.pid} ${startTime(child.pid) ?? '?'} ${cmd}\n`)
  }
  return child
}) as typeof spawn

/**
 * The processes this run started that are still running (same pid, same start time: a reused
 * pid is not ours). Each is killed by its pid; the caller fails the run if any were left.
 */
export function killLeftBehind (): string[] {
  const dir = process.env[RUN_DIR_ENV]
  if (dir === undefined) return []
  const left: string[] = []
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.pids'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const [pid = '', started = '', cmd = ''] = line.split(' ')
      if (pid === '' || started === '?' || startTime(Number(pid)) !== started) continue
      left.push(`${pid} ${cmd}`)
      try { process.kill(Number(pid), 'SIGKILL') } catch { /* gone meanwhile */ }
    }
  }
  return left
}
