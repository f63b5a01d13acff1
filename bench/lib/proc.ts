/** Child processes of the benchmark, and what /proc says about them. */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

const CLOCK_TICKS = 100 // sysconf(_SC_CLK_TCK) on Linux

/** user + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15). */
export function cpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

/** Resident set size in bytes (/proc/PID/status VmRSS). */
export function rssBytes (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? 0) * 1024
}

export interface Proc { child: ChildProcess, pid: number, stop: () => Promise<void> }

/** Spawns a process; resolves with its first stdout line matching `ready` (bounded). */
export async function startProc (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv, cwd?: string, ready: RegExp, timeoutMs?: number, readyOnSpawn?: boolean }): Promise<Proc & { line: string }> {
  const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { void stop(); reject(new Error(`${cmd} did not start`)) }, opts.timeoutMs ?? 15_000)
    // Quiet programs (proxies) print nothing: ready once spawned; the caller checks the port.
    if (opts.readyOnSpawn === true) child.once('spawn', () => { clearTimeout(timer); resolve('') })
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (l) => {
        if (opts.ready.test(l)) { clearTimeout(timer); resolve(l) }
      })
    }
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited with ${code}`)) })
  })
  return { child, pid: child.pid!, stop, line }
}
