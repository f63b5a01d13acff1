/**
 * `GET /probe?target=NAME&via=VIA`: runs one configured probe now and answers with
 * blackbox_exporter's metric names (plus ours), so blackbox dashboards, alert rules and
 * Prometheus' multi-target relabelling work unchanged. Only configured targets can be probed:
 * this is no open relay.
 */
import type { Request, Response } from 'express'
import { isIP } from 'node:net'
import { ipBytes } from '../net/ip.js'
import type { TargetConfig } from '../config/types.js'
import { ExpositionWriter, labelString } from '../metrics/exposition.js'
import type { Prober } from '../prober.js'
import { LimiterError } from '../scheduler/limiter.js'
import { BLACKBOX_PROBERS } from '../metrics/blackbox.js'
import { kindOf } from '../probes/kinds.js'
import type { ProbeResult } from '../probes/types.js'
import { PHASES } from '../transport/trace.js'

/** blackbox_exporter subtracts this from Prometheus' scrape timeout to leave time to answer. */
const SCRAPE_TIMEOUT_OFFSET_S = 0.5

/** The parameters /probe takes, each at most once. */
const PARAMS = new Set(['target', 'via', 'debug'])

export function probeHandler (prober: Prober) {
  return async (req: Request, res: Response): Promise<void> => {
    const bad = badParams(req.originalUrl)
    if (bad !== undefined) { res.status(400).type('text/plain').send(`${bad}\n`); return }
    const targetName = typeof req.query.target === 'string' ? req.query.target : ''
    const targets = prober.currentConfig.targets
    const target = targets.find((t) => t.name === targetName)
    if (target === undefined) {
      res.status(400).type('text/plain').send(`unknown target "${targetName.slice(0, 64)}"; configured targets: ${targets.map((t) => t.name).join(', ')}\n`)
      return
    }
    const via = typeof req.query.via === 'string' ? req.query.via : target.via[0] ?? ''
    const job = prober.job(target.name, via)
    if (job === undefined) {
      res.status(400).type('text/plain').send(`unknown via "${via.slice(0, 64)}" for target "${target.name}"; its vias: ${target.via.join(', ')}\n`)
      return
    }
    let result: ProbeResult
    try {
      result = await prober.probeDetached(job, scrapeTimeoutMs(req.header('x-prometheus-scrape-timeout-seconds')) ?? target.timeoutMs)
    } catch (err) {
      if (!(err instanceof LimiterError)) throw err
      // Busy (more probes waiting than max_concurrent_probes) or shutting down: say so at once.
      res.status(503).set('retry-after', '1').type('text/plain').send(`probe not run: ${err.message}\n`)
      return
    }
    const body = probeMetrics(result, target)
    if (req.query.debug === 'true') {
      res.type('text/plain').send(`Logs for the probe:\n${debugLines(result).join('\n')}\n\nMetrics that would have been returned:\n${body}`)
      return
    }
    res.type(PROBE_CONTENT_TYPE).send(body)
  }
}

/** Repeated or unknown query parameters are refused: `via=a&via=b` must not quietly mean something else. */
function badParams (url: string): string | undefined {
  const seen = new Set<string>()
  for (const key of new URL(url, 'http://x').searchParams.keys()) {
    if (!PARAMS.has(key)) return `unknown parameter "${key.slice(0, 64)}" (use ${[...PARAMS].join(', ')})`
    if (seen.has(key)) return `parameter "${key}" given more than once`
    seen.add(key)
  }
  return undefined
}

function scrapeTimeoutMs (header: string | undefined): number | undefined {
  const seconds = Number(header)
  if (header === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined
  return Math.max(100, (seconds - SCRAPE_TIMEOUT_OFFSET_S) * 1000)
}

const PROBE_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** fnv-1a (32 bit) of the address bytes: blackbox's probe_ip_addr_hash, to see an address change. */
function addressHash (ip: string): number {
  let h = 0x811c9dc5
  for (const b of ipBytes(ip)) h = Math.imul(h ^ b, 0x01000193) >>> 0
  return h
}

/**
 * blackbox_exporter's common and TLS families, those of the prober the kind answers like
 * (metrics/blackbox.ts), ours, then the kind's own. Names, HELP and labels: metrics/catalogue.ts.
 */
function probeMetrics (r: ProbeResult, target: TargetConfig): string {
  const w = new ExpositionWriter()
  const g = (name: string, value: number, labels = ''): void => { w.def(name).sample(name, labels, value) }
  g('probe_success', r.success ? 1 : 0)
  g('probe_duration_seconds', r.durationSeconds)
  g('probe_dns_lookup_time_seconds', r.phases.resolve)
  if (r.address !== undefined) {
    g('probe_ip_protocol', isIP(r.address) === 6 ? 6 : 4)
    g('probe_ip_addr_hash', addressHash(r.address))
  }
  const kind = kindOf(target.kind)
  BLACKBOX_PROBERS[kind.blackbox](w, r)
  if (r.tls !== undefined) {
    g('probe_ssl_earliest_cert_expiry', r.tls.earliestExpiry)
    g('probe_ssl_last_chain_expiry_timestamp_seconds', r.tls.chainExpiry)
    const leaf = r.tls.leaf
    g('probe_ssl_last_chain_info', 1, labelString([
      ['fingerprint_sha256', leaf.fingerprint256], ['issuer', leaf.issuer], ['subject', leaf.subject], ['subjectalternative', dnsNames(leaf.san)],
    ]))
    g('probe_tls_version_info', 1, labelString([['version', r.tls.version.replace(/^TLSv/, 'TLS ')]]))
  }
  w.def('egress_probe_failure_reason')
  if (r.reason !== undefined) w.sample('egress_probe_failure_reason', labelString([['target', r.target], ['via', r.via], ['reason', r.reason]]), 1)
  kind.probeFamilies(w, r, target.settings)
  return w.text()
}

/** The DNS names of a subjectaltname string, comma-joined, as blackbox's subjectalternative label. */
function dnsNames (san: string): string {
  return san.split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)).join(',')
}

function debugLines (r: ProbeResult): string[] {
  const lines = [`target=${r.target} via=${r.via} kind=${r.kind}`]
  for (const phase of PHASES) lines.push(`phase ${phase}: ${(r.phases[phase] * 1000).toFixed(3)} ms`)
  lines.push(r.success ? `probe succeeded: ${r.message}` : `probe failed: reason=${r.reason ?? 'unknown'}: ${r.message}`)
  if (r.egressIp !== undefined) lines.push(`egress IP: ${r.egressIp}`)
  lines.push(`duration: ${(r.durationSeconds * 1000).toFixed(3)} ms, status ${r.statusCode}, body ${r.bodyBytes} bytes`)
  return lines
}
