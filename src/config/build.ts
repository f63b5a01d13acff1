/**
 * Turns the validated snake_case document into the camelCase Config, applying defaults. No
 * checks here: schema.ts and checks.ts report every problem first, in one pass.
 */
import { isAbsolute, join } from 'node:path'
import { createTask } from 'node-cron'
import { egressCheckKind, egressCheckTarget, kindOf } from '../probes/kinds.js'
import type { RawConfig, RawTarget } from './schema.js'
import { parseProxyUrl } from './proxy-url.js'
import { parseVlessLink } from './vless-link.js'
import { DIRECT, EGRESS_IP_TARGET, type Config, type ProxyConfig, type TargetConfig, type TlsConfig } from './types.js'

export const DEFAULTS = {
  listen: '127.0.0.1:9550',
  intervalMs: 15_000,
  timeoutMs: 10_000,
  maxConcurrentProbes: 64,
  recheckMs: 2000,
} as const

interface BuildContext { baseDir: string, files: Map<string, Buffer> }

/** Turns a document that passed every check (schema.ts, checks.ts) into the Config. */
export function buildConfig (raw: RawConfig, baseDir: string, source: string, files: Map<string, Buffer>): Config {
  const ctx: BuildContext = { baseDir, files }
  const proxies: Record<string, ProxyConfig> = {}
  for (const [name, spec] of Object.entries(raw.proxies ?? {})) {
    const parsed = parseProxyUrl(name, typeof spec === 'string' ? spec : spec.url, typeof spec === 'string' ? undefined : spec.resolve)
    if (typeof parsed === 'string') continue
    if (typeof spec !== 'string' && spec.tls !== undefined) parsed.tls = buildTls(spec.tls, ctx)
    const upstream = typeof spec === 'string' || spec.upstream === undefined ? undefined : parseVlessLink(spec.upstream)
    if (upstream !== undefined && typeof upstream !== 'string') parsed.upstream = upstream
    proxies[name] = parsed
  }
  const allVia = [DIRECT, ...Object.keys(raw.proxies ?? {})]
  const targets: TargetConfig[] = []
  if (raw.egress_ip !== undefined) targets.push(buildTarget(raw, { ...raw.egress_ip, name: EGRESS_IP_TARGET, kind: egressCheckKind() } as RawTarget, allVia, ctx))
  for (const t of (raw.targets ?? []) as RawTarget[]) targets.push(buildTarget(raw, t, allVia, ctx))
  const xray = raw.xray === undefined ? {} : { xray: { address: raw.xray.api, flavor: raw.xray.flavor ?? 'auto', timeoutMs: raw.xray.timeout ?? 2000 } }
  return {
    ...xray,
    listen: raw.listen ?? DEFAULTS.listen,
    jitterMs: raw.defaults?.jitter ?? 0,
    recheckMs: raw.defaults?.recheck_interval ?? DEFAULTS.recheckMs,
    maxConcurrentProbes: raw.max_concurrent_probes ?? DEFAULTS.maxConcurrentProbes,
    perTargetHistogram: raw.metrics?.per_target_histogram ?? false,
    labels: raw.labels ?? {},
    proxies,
    targets,
    routePrefer: raw.route?.prefer ?? 'order',
    egressIp: egressIpOf(targets),
    source,
  }
}

/** The egress check's lists, as its kind reads them from its settings (at most one such target; checks.ts). */
function egressIpOf (targets: TargetConfig[]): Config['egressIp'] {
  const check = egressCheckTarget(targets)
  return check === undefined ? { expect: [], expectCountry: [] } : kindOf(check.kind).egressCheck!(check.settings)
}

function buildTarget (raw: RawConfig, t: RawTarget, allVia: string[], ctx: BuildContext): TargetConfig {
  const target: TargetConfig = {
    name: t.name,
    kind: t.kind,
    url: new URL(t.url),
    via: t.via ?? allVia,
    intervalMs: t.interval ?? raw.defaults?.interval ?? DEFAULTS.intervalMs,
    timeoutMs: t.timeout ?? raw.defaults?.timeout ?? DEFAULTS.timeoutMs,
    tls: buildTls(t.tls, ctx),
    ipFamily: t.ip_family ?? 'auto',
    settings: kindOf(t.kind).build(t, { defaults: raw.defaults ?? {} }),
  }
  if (t.schedule !== undefined) {
    target.schedule = t.schedule
    target.intervalMs = cronPeriodMs(t.schedule)
  }
  return target
}

/**
 * The longest gap between runs of a cron expression (over its next 50 runs): what staleness is
 * measured against for `schedule:` targets (e.g. 72 h for "0 9 * * 1-5" over a weekend).
 */
function cronPeriodMs (expression: string): number {
  const task = createTask(expression, () => {})
  const runs = task.getNextRuns(50).map((d) => d.getTime())
  void task.destroy()
  let longest = 0
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]! - runs[i - 1]!)
  return longest
}

function buildTls (raw: RawTarget['tls'], ctx: BuildContext): TlsConfig {
  const tls: TlsConfig = { insecureSkipVerify: raw?.insecure_skip_verify ?? false }
  if (raw?.server_name !== undefined) tls.serverName = raw.server_name
  const caFile = raw?.ca_file
  if (caFile !== undefined) {
    const ca = ctx.files.get(isAbsolute(caFile) ? caFile : join(ctx.baseDir, caFile))
    if (ca !== undefined) tls.ca = ca
  }
  return tls
}
