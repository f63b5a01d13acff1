/** Alert and recording rules of egress-prober, from a MixinConfig. */
import type { MixinConfig } from './config.js'
import type { Rule, RuleGroup } from './rule-types.js'
import { sloGroups } from './slo.js'
import { BROKEN_HOP } from './templates.js'

export type { Rule, RuleGroup }

type Severity = 'critical' | 'warning' | 'info' | 'none'

/** What a proxy's failure reasons mean and the first thing to do, for the page (docs/runbooks.md has the rest). */
const FIRST_ACTION: Record<string, string> = {
  proxy_refused: 'the sidecar refuses connections: is it running, on that port?',
  proxy_timeout: 'the sidecar does not answer in time: hung or overloaded',
  proxy_auth: 'the proxy refuses the credentials: check the proxy URL',
  proxy_rejected: 'the sidecar refuses the tunnel or answers nonsense: its routing or its upstream',
  tunnel_broken: 'the sidecar accepts, but the tunnel carries nothing: the VLESS server, the upstream address or the id',
}
const PROXY_REASONS = 'Reasons: {{ range query (printf "count by (reason) (egress_probe_failure_reason{via=%q,instance=%q})" $labels.via $labels.instance) }}' +
  `{{ .Labels.reason }}${Object.entries(FIRST_ACTION).map(([reason, action], i) => `{{ ${i === 0 ? 'if' : 'else if'} eq .Labels.reason "${reason}" }} (${action})`).join('')}{{ end }}; ` +
  '{{ else }}none recorded; {{ end }}see the runbook for each.' + BROKEN_HOP

export function ruleGroups (c: MixinConfig): RuleGroup[] {
  const s = c.selector
  const V = c.vantageLabels.join(', ')
  // Replicas of one vantage point agree before anything fires: `all(x) == 0` holds when every
  // replica sees 0, `all(x) == 1` when every replica sees 1 (one series per vantage point, so one
  // alert, and a single replica's own trouble pages nobody). Without replicas these are x itself.
  const R = c.replicaLabel
  const worst0 = (x: string): string => `max without (${R}) (${x})`
  const worst1 = (x: string): string => `min without (${R}) (${x})`
  const where = 'on {{ $labels.instance }}{{ with $labels.region }} (region {{ . }}){{ end }}'
  const alert = (name: string, severity: Severity, forDuration: string, expr: string, summary: string, description: string): Rule => ({
    alert: name,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, description, runbook_url: `${c.runbookBase}#${name.toLowerCase()}` },
  })
  // One alert name, two severities (as kube-prometheus does): the critical one mutes the warning.
  const certificateExpiry = (severity: Severity, days: number): Rule => alert('EgressTargetCertificateExpiry', severity, '10m',
    `(${worst1(`egress_probe_ssl_earliest_cert_expiry_seconds{${s}}`)} - time()) < ${days} * 86400`,
    'The certificate of {{ $labels.target }} expires in {{ $value | humanizeDuration }}',
    `The earliest-expiring certificate {{ $labels.target }} sends (seen via {{ $labels.via }} ${where}) expires in {{ $value | humanizeDuration }}; clients will refuse it then.`)
  return [
    {
      name: 'egress-prober.recording',
      rules: [
        // egress_probes_total counts scheduled probes only (re-checks are apart), so ratios are honest.
        { record: 'egress:probe_success:ratio_rate5m', expr: `sum by (${V}, target, via) (rate(egress_probes_total{${s},result="success"}[5m]))\n  / sum by (${V}, target, via) (rate(egress_probes_total{${s}}[5m]))` },
        { record: 'egress:probe_duration_seconds:p95_rate5m', expr: `histogram_quantile(0.95, sum by (${V}, via, le) (rate(egress_probe_duration_seconds_bucket{${s}}[5m])))` },
        { record: 'egress:probe_duration_seconds:p50_rate5m', expr: `histogram_quantile(0.50, sum by (${V}, via, le) (rate(egress_probe_duration_seconds_bucket{${s}}[5m])))` },
        { record: 'egress:probe_failures:rate5m', expr: `sum by (${V}, via, result) (rate(egress_probes_total{${s},result!="success"}[5m]))` },
      ],
    },
    {
      name: 'egress-prober.alerts',
      rules: [
        alert('EgressProberDown', 'critical', '1m', `${worst0(`up{${s}}`)} == 0 or absent(up{${s}})`,
          'egress-prober is not being scraped',
          'Prometheus cannot scrape egress-prober{{ with $labels.instance }} {{ . }}{{ end }}: nothing watches the proxy tunnel now.'),
        alert('EgressAllPathsDown', 'critical', '25s', `max by (${V}) (egress_probe_success{${s}}) == 0`,
          'Nothing leaves {{ $labels.instance }}: every path fails',
          `Every probe ${where} fails, direct and through every proxy: the host's network is down, or the direct path is firewalled by design and the proxies are down too. Traffic to the blocked APIs fails.`),
        // Whether or not direct works (it may be firewalled by design); when nothing at all works
        // on the instance, EgressAllPathsDown is the one page instead.
        alert('EgressProxyDown', 'critical', '25s', `${worst0(`egress_proxy_up{${s}}`)} == 0\n  unless on (${V}) (max by (${V}) (egress_probe_success{${s}}) == 0)`,
          'Proxy {{ $labels.via }} carries nothing',
          `Every probe through proxy {{ $labels.via }} ${where} fails (confirmed by re-checking its other targets) while another path works. Traffic that needs the tunnel fails. ${PROXY_REASONS}`),
        alert('EgressProxyDegraded', 'warning', '1m',
          `count by (${V}, via) (\n  (${worst0(`egress_probe_success{${s},via!="direct"}`)} == 0)\n    and on (${V}, target) (max by (${V}, target) (egress_probe_success{${s}}) == 1)\n) > 0\nand on (${V}, via) (${worst1(`egress_proxy_up{${s}}`)} == 1)`,
          'Proxy {{ $labels.via }} fails for {{ $value }} target(s)',
          'Through proxy {{ $labels.via }} on {{ $labels.instance }}, {{ $value }} target(s) fail that answer on another path.'),
        alert('EgressIPLeak', 'critical', '30s', `${worst1(`egress_ip_leak{${s}}`)} == 1`,
          'Proxy {{ $labels.via }} leaks: traffic leaves from the local IP',
          `The egress IP through proxy {{ $labels.via }} ${where} equals the direct one: the tunnel is not tunnelling.`),
        alert('EgressIPUnexpected', 'warning', '1m', `${worst0(`egress_ip_expected{${s}}`)} == 0`,
          'Proxy {{ $labels.via }} exits from an unexpected IP',
          'The egress IP through proxy {{ $labels.via }} on {{ $labels.instance }} is outside egress_ip.expect.'),
        // Critical: APIs that block by country (OpenAI's unsupported_country_region_territory) answer
        // 403 to the backend from the moment the exit moves, whatever the probes of other targets say.
        alert('EgressCountryUnexpected', 'critical', '1m', `${worst0(`egress_country_expected{${s}}`)} == 0`,
          'Proxy {{ $labels.via }} exits in an unexpected country',
          `The IP-echo service places the egress of proxy {{ $labels.via }} ${where} outside egress_ip.expect_country: APIs that block by country will refuse the backend.`),
        alert('EgressIPChanged', 'info', '0s', `${worst1(`increase(egress_ip_changes_total{${s}}[10m])`)} > 0`,
          'Egress IP of {{ $labels.via }} changed',
          'The egress IP of {{ $labels.via }} on {{ $labels.instance }} changed in the last 10 minutes.'),
        alert('EgressProxySlow', 'warning', '5m', 'egress:probe_duration_seconds:p95_rate5m{via!="direct"} > 2.5',
          'Proxy {{ $labels.via }} is slow (p95 {{ $value | humanizeDuration }})',
          'The 95th percentile of successful probes through {{ $labels.via }} on {{ $labels.instance }} is {{ $value | humanizeDuration }} over 5 minutes (threshold 2.5s).'),
        // Downloads run rarely (minutes apart): 15m is a few results in a row, not one slow one.
        alert('EgressThroughputLow', 'warning', '15m',
          `${worst0(`egress_probe_throughput_bytes_per_second{${s},via!="direct"}`)}\n  < on (job, ${V}, target) group_left ()\n  ${worst0(`egress_probe_throughput_floor_bytes_per_second{${s}}`)}\nor\n` +
          `${worst0(`egress_probe_throughput_bytes_per_second{${s},via!="direct"}`)}\n  < on (job, ${V}, target) group_left ()\n  (${worst0(`egress_probe_throughput_min_ratio{${s}}`)} * on (job, ${V}, target) ${worst0(`egress_probe_throughput_bytes_per_second{${s},via="direct"}`)})`,
          'Downloads of {{ $labels.target }} through {{ $labels.via }} crawl ({{ $value | humanize1024 }}B/s)',
          'The download probe of {{ $labels.target }} through {{ $labels.via }} on {{ $labels.instance }} runs at {{ $value | humanize1024 }}B/s, below its min_bytes_per_second or its min_ratio_to_direct share of the direct path, for 15 minutes: the tunnel answers but is too slow for large requests.'),
        alert('EgressTargetGeoBlocked', 'warning', '1m', `${worst1(`egress_probe_failure_reason{${s},reason="geo_blocked",via!="direct"}`)} == 1`,
          '{{ $labels.target }} geo-blocks the egress of {{ $labels.via }}',
          '{{ $labels.target }} answers "not available in your region" through {{ $labels.via }} on {{ $labels.instance }}: the VLESS server exits in a blocked country.'),
        alert('EgressTargetUnreachable', 'warning', '1m', `${worst1(`egress_target_verdict{${s},verdict="unreachable"}`)} == 1`,
          '{{ $labels.target }} is unreachable on every path',
          'Every path to {{ $labels.target }} fails on {{ $labels.instance }}: the target is down or everything is blocked.'),
        alert('EgressTargetBlockedDirect', 'info', '10m', `${worst1(`egress_target_verdict{${s},verdict="direct_blocked"}`)} == 1`,
          '{{ $labels.target }} is blocked directly, reachable through the proxy',
          'The expected state on a blocked network. Without the proxy (USE_VLESS_PROXY=false) {{ $labels.target }} would be unreachable from {{ $labels.instance }}.'),
        alert('EgressProbesStale', 'warning', '30s', `time() - ${worst0(`egress_probe_last_run_timestamp_seconds{${s}}`)} > 3 * ${worst0(`egress_probe_interval_seconds{${s}}`)}`,
          'Probes of {{ $labels.target }} via {{ $labels.via }} stopped running',
          'No probe of {{ $labels.target }} via {{ $labels.via }} on {{ $labels.instance }} ran for {{ $value | humanizeDuration }} (over 3 intervals, or 3 cron periods).'),
        certificateExpiry('warning', 14),
        certificateExpiry('critical', 3),
        alert('EgressTLSVerifyFailed', 'warning', '5m', `${worst1(`egress_probe_failure_reason{${s},reason="tls"}`)} == 1`,
          'TLS to {{ $labels.target }} via {{ $labels.via }} fails',
          'The TLS handshake with {{ $labels.target }} through {{ $labels.via }} on {{ $labels.instance }} fails (an untrusted or expired certificate, a name mismatch, or an interception on that path).'),
        alert('EgressConfigReloadFailed', 'warning', '1m', `${worst1(`egress_prober_config_last_reload_successful{${s}}`)} == 0`,
          'egress-prober on {{ $labels.instance }} runs an old config: the last reload failed',
          'The last reload of the config of {{ $labels.instance }} failed; it probes what the previous config said. The log says which YAML paths are wrong.'),
        // Per replica: a pod out of file descriptors is that pod's trouble, not the vantage point's.
        alert('EgressProberResourceExhausted', 'warning', '0s', `increase(egress_prober_local_errors_total{${s}}[5m]) > 0`,
          'egress-prober {{ $labels.instance }} cannot run its probes: out of file descriptors or ports',
          'egress-prober {{ $labels.instance }}{{ with $labels.pod }} (pod {{ . }}){{ end }} could not run {{ $value | humanize }} probes in 5 minutes for lack of local resources (file descriptors, ports, buffers); those paths are not measured meanwhile. The log says which.'),
        alert('EgressProberErrorEscaped', 'warning', '0s', `increase(egress_prober_escaped_errors_total{${s}}[15m]) > 0`,
          'egress-prober {{ $labels.instance }} hit a bug: an error escaped its handlers',
          'An error escaped every handler of egress-prober {{ $labels.instance }}{{ with $labels.pod }} (pod {{ . }}){{ end }}; it was logged and the process carried on. The log line "an error escaped every handler" has it: please report it.'),
        alert('XrayDown', 'warning', '1m', `${worst0(`xray_up{${s}}`)} == 0`,
          'The Xray/V2Ray stats API does not answer',
          'egress-prober {{ $labels.instance }} cannot read the sidecar stats API: the sidecar may be down or restarting (see EgressProxyDown for whether traffic flows).'),
        alert('Watchdog', 'none', '0s', 'vector(1)',
          'The alerting pipeline works',
          'Always firing, so that its absence at the heartbeat receiver says the alerting pipeline (Prometheus, rules, Alertmanager) is broken.'),
      ],
    },
    ...sloGroups(c, alert),
  ]
}
