/**
 * Every egress-prober metric, its name and HELP in one place. Counters and the histogram are
 * fed one result at a time (`record`); gauges are set from the ResultStore at scrape time
 * (`collect`), so series of removed targets disappear by themselves.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { DIRECT, EGRESS_IP_TARGET, type Config } from '../config/types.js'
import type { ProbeResult } from '../probes/types.js'
import { verdictOf, VERDICTS } from '../probes/verdict.js'
import type { ResultStore } from '../state/store.js'
import { PHASES } from '../transport/trace.js'

export const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30, 60]

export interface ProberMetrics {
  record: (result: ProbeResult) => void
  skipped: (target: string, via: string) => void
  /** How late a scheduled probe started, in milliseconds (queueing, a busy event loop). */
  startDelay: (ms: number) => void
  /** Forgets counter series of pairs no longer configured (after a reload). */
  forget: (target: string, via: string) => void
}

export function registerProberMetrics (registry: Registry, store: ResultStore, config: () => Config, version: string): ProberMetrics {
  const registers = [registry]
  const pairLabels = ['target', 'via'] as const
  const latest = (): ProbeResult[] => store.entries().flatMap((e) => e.state.latest === undefined ? [] : [e.state.latest])
  const proxyVias = (): string[] => Object.keys(config().proxies)

  new Gauge({
    name: 'egress_probe_success', help: 'Whether the latest probe of the target through the via succeeded (1) or not (0).',
    labelNames: pairLabels, registers,
    collect () { this.reset(); for (const r of latest()) this.set({ target: r.target, via: r.via }, r.success ? 1 : 0) },
  })
  const duration = new Histogram({
    name: 'egress_probe_duration_seconds', help: 'Total time of successful probes, from start to the last body byte.',
    labelNames: pairLabels, buckets: DURATION_BUCKETS, registers,
  })
  new Gauge({
    name: 'egress_probe_phase_seconds', help: 'Time each phase of the latest probe took (0 for phases it did not reach or need).',
    labelNames: [...pairLabels, 'phase'], registers,
    collect () {
      this.reset()
      for (const r of latest()) for (const phase of PHASES) this.set({ target: r.target, via: r.via, phase }, r.phases[phase])
    },
  })
  const probes = new Counter({
    name: 'egress_probes_total', help: 'Probes run, by result: success or the failure reason.',
    labelNames: [...pairLabels, 'result'], registers,
  })
  new Gauge({
    name: 'egress_probe_failure_reason', help: 'Set to 1 for the failure reason of the latest probe; absent when it succeeded.',
    labelNames: [...pairLabels, 'reason'], registers,
    collect () {
      this.reset()
      for (const r of latest()) if (r.reason !== undefined) this.set({ target: r.target, via: r.via, reason: r.reason }, 1)
    },
  })
  new Gauge({
    name: 'egress_probe_status_code', help: 'HTTP status code of the latest probe (0 when no response arrived).',
    labelNames: pairLabels, registers,
    collect () { this.reset(); for (const r of latest()) this.set({ target: r.target, via: r.via }, r.statusCode) },
  })
  new Gauge({
    name: 'egress_probe_last_run_timestamp_seconds', help: 'When the latest probe started, in seconds since the epoch.',
    labelNames: pairLabels, registers,
    collect () { this.reset(); for (const r of latest()) this.set({ target: r.target, via: r.via }, r.startedAt / 1000) },
  })
  new Gauge({
    name: 'egress_probe_interval_seconds', help: 'The configured probe interval of the pair (absent for cron-scheduled targets).',
    labelNames: pairLabels, registers,
    collect () {
      this.reset()
      for (const t of config().targets) if (t.schedule === undefined) for (const via of t.via) this.set({ target: t.name, via }, t.intervalMs / 1000)
    },
  })
  const skipped = new Counter({
    name: 'egress_probe_skipped_total', help: 'Scheduled runs skipped because the previous probe of the pair was still running.',
    labelNames: pairLabels, registers,
  })
  const startDelay = new Histogram({
    name: 'egress_probe_start_delay_seconds', help: 'How late scheduled probes started after their planned slot (concurrency cap, busy event loop).',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers,
  })
  new Gauge({
    name: 'egress_ip_info', help: 'The egress IP the latest egress check of each via saw (value 1); one series per via.',
    labelNames: ['via', 'ip'], registers,
    collect () {
      this.reset()
      for (const via of [DIRECT, ...proxyVias()]) {
        const ip = store.egressIp(via)
        if (ip !== undefined) this.set({ via, ip }, 1)
      }
    },
  })
  new Gauge({
    name: 'egress_ip_leak', help: "1 when a proxy's egress IP equals the direct path's (the tunnel is not tunnelling), 0 when they differ.",
    labelNames: ['via'], registers,
    collect () {
      this.reset()
      const direct = store.egressIp(DIRECT)
      for (const via of proxyVias()) {
        const ip = store.egressIp(via)
        if (ip !== undefined && direct !== undefined) this.set({ via }, ip === direct ? 1 : 0)
      }
    },
  })
  new Gauge({
    name: 'egress_ip_expected', help: "1 when a proxy's egress IP is inside egress_ip.expect, 0 when outside; absent without a list or an answer.",
    labelNames: ['via'], registers,
    collect () {
      this.reset()
      if (config().egressIp.expect.length === 0) return
      for (const via of proxyVias()) {
        const r = store.get(EGRESS_IP_TARGET, via)?.latest
        if (r?.egressIp !== undefined) this.set({ via }, r.reason === 'ip_unexpected' ? 0 : 1)
      }
    },
  })
  new Counter({
    name: 'egress_ip_changes_total', help: "Changes of a via's egress IP seen by the egress check.",
    labelNames: ['via'], registers,
    collect () {
      this.reset()
      for (const via of [DIRECT, ...proxyVias()]) {
        if (config().targets.some((t) => t.name === EGRESS_IP_TARGET && t.via.includes(via))) this.inc({ via }, store.egressChanges(via))
      }
    },
  })
  new Gauge({
    name: 'egress_proxy_up', help: 'Whether anything probed through the proxy succeeded in its latest run (1) or everything failed (0).',
    labelNames: ['via'], registers,
    collect () {
      this.reset()
      for (const via of proxyVias()) {
        const up = store.viaUp(via)
        if (up !== undefined) this.set({ via }, up ? 1 : 0)
      }
    },
  })
  new Gauge({
    name: 'egress_target_verdict', help: 'Verdict on each target from the latest result of every via (stateset: 1 for the current verdict).',
    labelNames: ['target', 'verdict'], registers,
    collect () {
      this.reset()
      for (const t of config().targets) {
        if (t.name === EGRESS_IP_TARGET) continue
        const verdict = verdictOf(Object.fromEntries(t.via.map((via) => [via, store.get(t.name, via)?.latest?.success])))
        for (const v of VERDICTS) this.set({ target: t.name, verdict: v }, v === verdict ? 1 : 0)
      }
    },
  })
  new Gauge({
    name: 'egress_prober_build_info', help: 'Version of egress-prober and of Node.js it runs on (value 1).',
    labelNames: ['version', 'nodejs_version'], registers,
  }).set({ version, nodejs_version: process.versions.node }, 1)

  return {
    record (r) {
      probes.inc({ target: r.target, via: r.via, result: r.reason ?? 'success' })
      if (r.success) duration.observe({ target: r.target, via: r.via }, r.durationSeconds)
    },
    skipped (target, via) { skipped.inc({ target, via }) },
    startDelay (ms) { startDelay.observe(Math.max(0, ms) / 1000) },
    forget (target, via) {
      for (const m of [duration, skipped] as const) m.remove({ target, via })
      for (const result of ['success', ...new Set(latest().map((r) => r.reason))]) {
        if (result !== undefined) probes.remove({ target, via, result })
      }
    },
  }
}
