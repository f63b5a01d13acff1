/**
 * The availability SLO of each proxy path and its multi-window, multi-burn-rate alerts (the
 * Google SRE workbook's table, as Sloth encodes it), from the counter the prober has always
 * exported, `egress_probes_total`: the history Prometheus holds counts from day one.
 *
 * - SLI: a path's scheduled probes (re-checks are apart); good = `result="success"`.
 * - A probe does not count while its target fails on every path (its verdict `unreachable`:
 *   a target outage behind a healthy tunnel is not the tunnel's fault), unless the target was
 *   `direct_blocked` in the last hour: where direct is firewalled by design, "fails everywhere"
 *   is what a tunnel fault looks like, so it counts.
 * - Long windows are built from 5-minute rates recorded every 30 s (sum_over_time of a few
 *   series per vantage point), so a 3-day window never re-reads every raw sample.
 * - One alert name, EgressErrorBudgetBurn, labelled with its window; quiet while EgressProxyDown
 *   or EgressAllPathsDown fires for the path, and for 10 minutes after, so a dead path pages once.
 */
import type { MixinConfig } from './config.js'
import type { Rule, RuleGroup } from './rule-types.js'
import { BROKEN_HOP } from './templates.js'

/** [long window, short window, burn factor, severity]: the workbook's table. */
export const BURN_TIERS = [
  ['1h', '5m', 14.4, 'critical'],
  ['6h', '30m', 6, 'critical'],
  ['1d', '2h', 3, 'warning'],
  ['3d', '6h', 1, 'warning'],
] as const

/** The recording group's interval: each recorded 5 m rate is one sample a window sums. */
export const SLO_STEP_SECONDS = 30
const WINDOWS = ['30m', '1h', '2h', '6h', '1d', '3d'] as const

export function sloGroups (c: MixinConfig, alert: (name: string, severity: 'critical' | 'warning', forDuration: string, expr: string, summary: string, description: string) => Rule): RuleGroup[] {
  const s = c.selector
  const V = c.vantageLabels.join(', ')
  const budget = Number((1 - c.sloObjective).toPrecision(6))
  // Enough probes in the long window that one failure alone stays under the tier's threshold,
  // and never fewer than sloMinProbes: a rarely probed path cannot fire on a single failure.
  const minProbes = (factor: number): number => Math.max(c.sloMinProbes, Math.floor(1 / (factor * budget)) + 1)
  const objective = `${Number((c.sloObjective * 100).toPrecision(6))}%`
  const valid = (extra: string): string =>
    `sum by (${V}, via) (\n  rate(egress_probes_total{${s},via!="direct"${extra}}[5m])\n    unless on (${V}, target) egress:slo_target_down:5m\n)`
  const ratio = (w: string): string => `sum_over_time(egress:slo_errors:rate5m[${w}])\n  / sum_over_time(egress:slo_probes:rate5m[${w}])`
  const where = 'on {{ $labels.instance }}{{ with $labels.region }} (region {{ . }}){{ end }}'
  const q = (expr: string): string => `(printf "${expr}" $labels.via $labels.instance)`
  const reasons = `{{ range query ${q('sort_desc(sum by (result) (increase(egress_probes_total{via=%q,instance=%q,result!=\\"success\\"}[1h])))')} }}{{ .Labels.result }} {{ .Value | printf "%.0f" }}, {{ end }}`
  const budgetLeft = `{{ with query ${q('egress:slo_error_budget_remaining:ratio30d{via=%q,instance=%q}')} }}{{ . | first | value | humanizePercentage }}{{ else }}unknown{{ end }}`
  return [
    {
      name: 'egress-prober.slo',
      interval: `${SLO_STEP_SECONDS}s`,
      rules: [
        {
          record: 'egress:slo_target_down:5m',
          expr: `max by (${V}, target) (max_over_time(egress_target_verdict{${s},verdict="unreachable"}[5m])) == 1\n` +
            `unless on (${V}, target) max by (${V}, target) (max_over_time(egress_target_verdict{${s},verdict="direct_blocked"}[1h])) == 1`,
        },
        { record: 'egress:slo_probes:rate5m', expr: valid('') },
        // A path that never failed has no error series: its errors are 0, not absent.
        { record: 'egress:slo_errors:rate5m', expr: `${valid(',result!="success"')}\nor 0 * egress:slo_probes:rate5m` },
        { record: 'egress:slo_error_ratio:rate5m', expr: 'egress:slo_errors:rate5m / egress:slo_probes:rate5m' },
        ...WINDOWS.map((w): Rule => ({ record: `egress:slo_error_ratio:rate${w}`, expr: ratio(w) })),
        // The minimum-traffic guard counts probes, not rates: summed 5-minute rates would lag the
        // real count by up to 5 minutes after a start. A sum of counters is fine for a guard (a
        // prober restart reads as a reset, which increase() absorbs); it is never a ratio's input.
        { record: 'egress:slo_probes:total', expr: `sum by (${V}, via) (egress_probes_total{${s},via!="direct"})` },
        ...(['1h', '6h', '1d', '3d'] as const).map((w): Rule => ({ record: `egress:slo_probes:count${w}`, expr: `increase(egress:slo_probes:total[${w}])` })),
        ...BURN_TIERS.map(([long, short, factor, severity]): Rule => ({
          ...alert('EgressErrorBudgetBurn', severity, severity === 'critical' ? '1m' : '5m',
            `egress:slo_error_ratio:rate${long} > ${factor} * ${budget}\n` +
            `and egress:slo_error_ratio:rate${short} > ${factor} * ${budget}\n` +
            `and on (${V}, via) egress:slo_probes:count${long} >= ${minProbes(factor)}\n` +
            `unless on (${V}, via) max by (${V}, via) (max_over_time(ALERTS{alertname="EgressProxyDown",alertstate="firing"}[10m]))\n` +
            `unless on (${V}) max by (${V}) (max_over_time(ALERTS{alertname="EgressAllPathsDown",alertstate="firing"}[10m]))`,
            `Proxy {{ $labels.via }} fails {{ $value | humanizePercentage }} of probes over ${long}: the error budget burns ${factor}x too fast`,
            `{{ $value | humanizePercentage }} of the probes through proxy {{ $labels.via }} ${where} failed over the last ${long} (and ${short}), ` +
            `against an objective of ${objective}: at ${factor}x the sustainable rate or more. Error budget left over 30 days: ${budgetLeft}. ` +
            `Failures in the last hour: ${reasons}see egress_probe_failure_reason for the targets.${BROKEN_HOP}`),
          labels: { severity, window: long },
        })),
      ],
    },
    {
      // 30 days of the 30 s samples, for the dashboard and the alerts' descriptions: once a minute.
      name: 'egress-prober.slo-budget',
      interval: '1m',
      rules: [
        // The objective, for the dashboard to draw (it is set here, in the mixin).
        { record: 'egress:slo_objective', expr: `vector(${c.sloObjective})` },
        { record: 'egress:slo_error_ratio:rate30d', expr: ratio('30d') },
        { record: 'egress:slo_error_budget_remaining:ratio30d', expr: `1 - egress:slo_error_ratio:rate30d / ${budget}` },
      ],
    },
  ]
}
