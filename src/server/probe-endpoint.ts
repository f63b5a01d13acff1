/**
 * `GET /probe?target=NAME&via=VIA`: runs one configured probe now and answers with
 * blackbox_exporter's metric names (plus ours), so blackbox dashboards, alert rules and
 * Prometheus' multi-target relabelling work unchanged. Only configured targets can be probed:
 * this is no open relay.
 */
import type { Request, Response } from 'express'
import { Gauge, Registry } from 'prom-client'
import { EGRESS_IP_TARGET } from '../config/types.js'
import type { Prober } from '../prober.js'
import { LimiterError } from '../scheduler/limiter.js'
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
    const registry = probeRegistry(result)
    const body = await registry.metrics()
    if (req.query.debug === 'true') {
      res.type('text/plain').send(`Logs for the probe:\n${debugLines(result).join('\n')}\n\nMetrics that would have been returned:\n${body}`)
      return
    }
    res.type(registry.contentType).send(body)
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

function probeRegistry (r: ProbeResult): Registry {
  const registry = new Registry()
  const registers = [registry]
  const gauge = (name: string, help: string, labelNames: string[] = []): Gauge => new Gauge({ name, help, labelNames, registers })
  gauge('probe_success', 'Displays whether or not the probe was a success').set(r.success ? 1 : 0)
  gauge('probe_duration_seconds', 'Returns how long the probe took to complete in seconds').set(r.durationSeconds)
  const phases = gauge('probe_http_duration_seconds', 'Duration of http request by phase, summed over all redirects', ['phase'])
  for (const phase of PHASES) phases.set({ phase }, r.phases[phase])
  gauge('probe_http_status_code', 'Response HTTP status code').set(r.statusCode)
  gauge('probe_http_content_length', 'Length of http content response').set(r.bodyBytes)
  const reason = gauge('egress_probe_failure_reason', 'Set to 1 for the failure reason of this probe; absent when it succeeded.', ['target', 'via', 'reason'])
  if (r.reason !== undefined) reason.set({ target: r.target, via: r.via, reason: r.reason }, 1)
  const ip = gauge('egress_ip_info', 'The egress IP this probe saw (value 1).', ['via', 'ip'])
  if (r.target === EGRESS_IP_TARGET && r.egressIp !== undefined) ip.set({ via: r.via, ip: r.egressIp }, 1)
  return registry
}

function debugLines (r: ProbeResult): string[] {
  const lines = [`target=${r.target} via=${r.via} kind=${r.kind}`]
  for (const phase of PHASES) lines.push(`phase ${phase}: ${(r.phases[phase] * 1000).toFixed(3)} ms`)
  lines.push(r.success ? `probe succeeded: ${r.message}` : `probe failed: reason=${r.reason ?? 'unknown'}: ${r.message}`)
  if (r.egressIp !== undefined) lines.push(`egress IP: ${r.egressIp}`)
  lines.push(`duration: ${(r.durationSeconds * 1000).toFixed(3)} ms, status ${r.statusCode}, body ${r.bodyBytes} bytes`)
  return lines
}
