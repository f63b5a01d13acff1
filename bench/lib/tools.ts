/** Starting blackbox_exporter and egress-prober side by side, and probing through each one's /probe. */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../../test/helpers/ports.js'
import { startProc, type Proc } from './proc.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const PATHS = ['direct', 'http', 'socks'] as const
export type Path = typeof PATHS[number]
export type Scheme = 'http' | 'https'

export interface Servers { httpPort: number, httpsPort: number, socksPort: number, connectPort: number, bannerPort: number, caFile: string, pid: number }

export interface Tool {
  name: 'blackbox_exporter' | 'egress-prober'
  proc: Proc
  base: string
  /** The /probe URL for a path and a target kind (hold: the exact 100 ms hold; sleep: capacity). */
  probeUrl: (path: Path, scheme: Scheme, kind: 'hold' | 'sleep') => string
}

export interface ProbeSample { ok: boolean, total: number, ttfb: number }

/**
 * Reads probe_success, probe_duration_seconds and the time to first byte from a /probe answer,
 * both from the same point: when the tool has its connection. blackbox's `processing` phase is
 * that (httptrace GotConn → GotFirstResponseByte). Ours starts when the request is written, so
 * for egress-prober TTFB is taken as the total minus every phase before the connection and
 * minus the transfer: it carries undici's own setup and the probe's start-up too (against us).
 */
export async function probe (url: string): Promise<ProbeSample> {
  const text = await (await fetch(url)).text()
  const num = (re: RegExp): number => Number(re.exec(text)?.[1] ?? Number.NaN)
  const phase = (name: string): number => num(new RegExp(`^probe_http_duration_seconds\\{phase="${name}"\\} (\\S+)$`, 'm'))
  const total = num(/^probe_duration_seconds (\S+)$/m)
  const ours = /^egress_probe_failure_reason /m.test(text) || text.includes('# HELP egress_probe_failure_reason')
  const ttfb = ours ? total - phase('resolve') - phase('connect') - phase('proxy') - phase('tls') - phase('transfer') : phase('processing')
  return { ok: num(/^probe_success (\S+)$/m) === 1, total, ttfb }
}

async function waitReady (url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${url} not ready`)
}

const target = (s: Servers, scheme: Scheme, kind: 'hold' | 'sleep'): string =>
  `${scheme}://127.0.0.1:${scheme === 'http' ? s.httpPort : s.httpsPort}/${kind === 'hold' ? 'hold' : 'sleep?ms=100'}`

export async function startBlackbox (s: Servers, dir: string): Promise<Tool> {
  const [port] = await freePorts(1) as [number]
  const http = (proxy?: string): object => ({
    prober: 'http',
    timeout: '5s',
    http: { preferred_ip_protocol: 'ip4', valid_status_codes: [200], tls_config: { ca_file: s.caFile }, ...(proxy !== undefined && { proxy_url: proxy }) },
  })
  const modules = { direct: http(), http: http(`http://127.0.0.1:${s.connectPort}`), socks: http(`socks5://127.0.0.1:${s.socksPort}`) }
  const file = join(dir, 'blackbox.yml')
  writeFileSync(file, JSON.stringify({ modules }))
  const proc = await startProc('prometheus-blackbox-exporter', [`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`], { ready: /Listening on|listening/i })
  const base = `http://127.0.0.1:${port}`
  await waitReady(`${base}/-/healthy`)
  return { name: 'blackbox_exporter', proc, base, probeUrl: (path, scheme, kind) => `${base}/probe?module=${path}&target=${encodeURIComponent(target(s, scheme, kind))}` }
}

/** egress-prober from dist/, with targets that never run on their own (cron once a year). */
export async function startEgressProber (s: Servers, dir: string, nodeArgs: string[] = []): Promise<Tool> {
  const [port] = await freePorts(1) as [number]
  const never = '"0 0 1 1 *"'
  const targets = (['http', 'https'] as const).flatMap((scheme) => (['hold', 'sleep'] as const).map((kind) =>
    `  - { name: ${kind}_${scheme}, url: "${target(s, scheme, kind)}", schedule: ${never}, tls: { ca_file: "${s.caFile}" } }`))
  const file = join(dir, 'egress-prober.yml')
  writeFileSync(file, `listen: 127.0.0.1:${port}
defaults: { timeout: 5s }
max_concurrent_probes: 512
proxies: { http: "http://127.0.0.1:${s.connectPort}", socks: "socks5://127.0.0.1:${s.socksPort}" }
targets:
${targets.join('\n')}
`)
  const proc = await startProc(process.execPath, [...nodeArgs, join(ROOT, 'dist/cli.js'), `--config.file=${file}`],
    { ready: /egress-prober started/, env: { ...process.env, NODE_ENV: 'production' } })
  const base = `http://127.0.0.1:${port}`
  await waitReady(`${base}/-/ready`)
  return { name: 'egress-prober', proc, base, probeUrl: (path, scheme, kind) => `${base}/probe?target=${kind}_${scheme}&via=${path}` }
}

export function versions (): { blackbox: string, node: string } {
  const bb = spawnSync('prometheus-blackbox-exporter', ['--version'], { encoding: 'utf8' })
  return { blackbox: /version (\S+)/.exec(bb.stdout + bb.stderr)?.[1] ?? 'unknown', node: process.version }
}
