/**
 * The open-files limit. Go exporters raise their soft limit to the hard one at start (the Go
 * runtime does it since 1.19); Node has no setrlimit, so this asks `prlimit(1)` (util-linux, in
 * every Debian-based image) to do it for this process. Where that is impossible it says so and
 * the soft limit stays: the web server's connections are bounded well below it either way.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface FileLimit { soft: number, hard: number }

/** Never raise past this, even when the hard limit is unlimited. */
const CEILING = 1 << 20

/** The current limits from /proc/self/limits; undefined where there is no /proc (not Linux). */
export function fileLimit (read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): FileLimit | undefined {
  let text: string
  try { text = read() } catch { return undefined }
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text)
  if (m === null) return undefined
  const num = (v: string): number => v === 'unlimited' ? CEILING : Math.min(Number(v), CEILING)
  return { soft: num(m[1]!), hard: num(m[2]!) }
}

/** Raises the soft limit to the hard one; returns the limits before and after (after = before when it could not). */
export function raiseFileLimit (run: (file: string, args: string[]) => void = defaultRun, read?: () => string): { before: FileLimit, after: FileLimit } | undefined {
  const before = fileLimit(read)
  if (before === undefined || before.soft >= before.hard) return before === undefined ? undefined : { before, after: before }
  try { run('prlimit', ['--pid', String(process.pid), `--nofile=${before.hard}:`]) } catch { return { before, after: before } }
  return { before, after: fileLimit(read) ?? before }
}

function defaultRun (file: string, args: string[]): void {
  execFileSync(file, args, { stdio: 'ignore', timeout: 2000 })
}

/**
 * How many connections the web server holds at once: a quarter of the file limit, at most 512
 * (Prometheus, a few people and the status page need a handful). Beyond it Node closes new
 * connections at once, so idle clients can never starve the probes of descriptors.
 */
export function webConnectionLimit (soft: number): number {
  return Math.max(16, Math.min(512, Math.floor(soft / 4)))
}
