/**
 * The one source of the monitoring pack (the monitoring-mixin convention of node_exporter and
 * kube-prometheus): alert and recording rules are generated from TypeScript with these
 * settings, and `npm run mixin` writes the files in prometheus/. A test proves the committed
 * files equal what the source generates.
 */
export interface MixinConfig {
  /** Prometheus selector of egress-prober's scrape job. */
  selector: string
  /**
   * Where runbook links point; `#<alert name in lower case>` is appended (GitHub's heading
   * anchors for docs/runbooks.md). Set it once to where your team reads the runbooks (a fork, a
   * wiki); the prober's own `/runbooks` serves the same sections, but only where the prober and
   * its network are reachable.
   */
  runbookBase: string
  /** The interval the thresholds below assume (the prober's default). */
  probeInterval: string
  /**
   * The labels that name a vantage point: alerts are one per vantage point, however many replicas
   * probe from it. `instance` alone on a plain host; on Kubernetes the ServiceMonitor sets
   * `instance` to the Service (shared by the replicas) and `labels:` adds region and cluster.
   */
  vantageLabels: string[]
  /** The label that tells replicas of one vantage point apart (the pod); rules aggregate it away. */
  replicaLabel: string
  /**
   * The availability objective of each proxy path: the share of its probes that succeed, over
   * 30 days (docs/runbooks.md#egresserrorbudgetburn says how to choose it). 0.99 leaves an error
   * budget of 1 %: about 7 hours of a dead tunnel a month, or one failure in a hundred probes.
   */
  sloObjective: number
  /**
   * A burn alert needs at least this many probes of the path in its long window, and at least
   * enough that a single failure stays under that window's threshold (101 for the 3-day 1x tier
   * at 99 %): a rarely probed path cannot fire on one failure.
   */
  sloMinProbes: number
}

export const DEFAULT_CONFIG: MixinConfig = {
  selector: 'job="egress-prober"',
  // The runbooks in the repository: a link that opens from a phone, also when the prober (or the
  // network it watches) is down. Each egress-prober serves a copy at /runbooks.
  runbookBase: 'https://github.com/egress-prober/egress-prober/blob/main/docs/runbooks.md',
  probeInterval: '15s',
  vantageLabels: ['instance', 'region', 'cluster'],
  replicaLabel: 'pod',
  sloObjective: 0.99,
  sloMinProbes: 20,
}
