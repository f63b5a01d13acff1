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
   * Where runbook links point; `#<alert name in lower case>` is appended. The default is the
   * runbooks page every egress-prober serves itself (`/runbooks`), at the instance that fired,
   * so a link in a notification works without any other site. Set your own docs URL to have
   * working links even while the prober is down.
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
}

export const DEFAULT_CONFIG: MixinConfig = {
  selector: 'job="egress-prober"',
  runbookBase: 'http://{{ with $labels.instance }}{{ . }}{{ else }}127.0.0.1:9550{{ end }}/runbooks',
  probeInterval: '15s',
  vantageLabels: ['instance', 'region', 'cluster'],
  replicaLabel: 'pod',
}
