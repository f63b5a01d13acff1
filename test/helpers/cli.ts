/** Runs the built CLI (dist/cli.js) the way a user does, and stops it by pid. */
import { spawnTracked } from './procs.js'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export interface CliRun { status: number | null, stdout: string, stderr: string }

/**
 * Runs the CLI to completion (killed after `timeoutMs`). Asynchronous, so servers running in
 * the test process keep answering while it runs.
 */
export async function runCli (args: string[], opts: { env?: NodeJS.ProcessEnv, timeoutMs?: number } = {}): Promise<CliRun> {
  const child = spawnTracked(process.execPath, [CLI, ...args], { env: opts.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000)
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  clearTimeout(timer)
  return { status, stdout, stderr }
}

/** The environment without the reference deployment's variables, so tests never probe the internet. */
export function cleanEnv (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const k of ['SOCKS5_PROXY', 'HTTP_PROXY', 'HTTPS_PROXY', 'USE_VLESS_PROXY', 'PROXY_REQUIRED_DOMAINS', 'EGRESS_IP_URL', 'PROBE_INTERVAL', 'PROBE_TIMEOUT', 'LISTEN_ADDRESS', 'XRAY_API_ADDRESS']) delete env[k]
  return { ...env, ...extra }
}

export interface RunningCli {
  child: ChildProcess
  /** http://host:port of the server. */
  base: string
  logs: () => string
  /** Sends a signal and waits for the exit code (bounded); SIGKILL after the bound. */
  stop: (signal?: NodeJS.Signals, boundMs?: number) => Promise<number | null>
}

/**
 * Starts the prober (under `wrapper`, a command that execs it, if given); resolves once it logs its listen address. Logs are JSON (tests read their
 * fields) unless the caller picks a --log.format.
 */
export async function startCli (args: string[], env: NodeJS.ProcessEnv = cleanEnv(), wrapper: string[] = []): Promise<RunningCli> {
  const format = args.some((a) => a.startsWith('--log.format')) ? [] : ['--log.format=json']
  // A wrapper that execs its command (prlimit, env) keeps the pid: it is still the one recorded.
  const [cmd, ...rest] = [...wrapper, process.execPath, CLI, ...format, ...args] as [string, ...string[]]
  const child = spawnTracked(cmd, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`CLI did not start:\n${out}`)) }, 10_000)
    const onData = (): void => {
      const line = out.split('\n').slice(0, -1).find((l) => l.includes('egress-prober started')) // complete lines only
      if (line === undefined) return
      const started = line.startsWith('{')
        ? JSON.parse(line) as { address: string, tls: boolean }
        : { address: /address=(\S+)/.exec(line)?.[1] ?? '', tls: / tls=true/.test(line) }
      clearTimeout(timer)
      child.stdout.off('data', onData)
      resolve(`${started.tls ? 'https' : 'http'}://${started.address}`)
    }
    child.stdout.on('data', onData)
    void exited.then(() => { clearTimeout(timer); reject(new Error(`CLI exited early:\n${out}`)) })
  })
  return {
    child,
    base,
    logs: () => out,
    stop: async (signal = 'SIGTERM', boundMs = 15_000) => {
      if (child.exitCode !== null) return child.exitCode
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), boundMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}
