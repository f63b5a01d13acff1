/**
 * Every metric family egress-prober exports: its type, HELP and label names, in one place. Three
 * parts: `METRICS` (ours, on /metrics and /probe), `PROBE_METRICS` (blackbox_exporter's names and
 * HELP, on /probe) and the families probe kinds declare (`families` in a kind's file, joined here
 * when the kind is registered). Writers take HELP and TYPE from here; docs/metrics.md documents
 * each (a test keeps them equal). Adding a metric is a line here, where it is set, and its docs.
 */
/** A family: its type, label names (constant labels come first, then these) and HELP. */
export interface MetricDef { type: 'gauge' | 'counter' | 'histogram', help: string, labels: readonly string[] }

/** Our families (`egress_*`, `xray_*`): type, label names and HELP. */
export const METRICS = {
  egress_probe_ssl_earliest_cert_expiry_seconds: { type: 'gauge', labels: ['target', 'via'], help: 'When the earliest-expiring certificate of the chain the target sent expires, in seconds since the epoch (https).' },
  egress_probe_tls_info: { type: 'gauge', labels: ['target', 'via', 'version', 'cipher', 'subject', 'issuer'], help: "The TLS version and cipher of the handshake with the target, and its leaf certificate's subject and issuer (value 1; text bounded to 128 printable characters)." },
  egress_probe_interval_seconds: { type: 'gauge', labels: ['target', 'via'], help: 'The configured probe interval of the pair; for cron-scheduled targets the longest gap between two runs.' },
  egress_target_verdict: { type: 'gauge', labels: ['target', 'verdict'], help: 'Verdict on each target from the latest result of every via (stateset: 1 for the current verdict).' },
  egress_probes_total: { type: 'counter', labels: ['target', 'via', 'result'], help: 'Probes run, by result: success or the failure reason.' },
  egress_proxy_rechecks_total: { type: 'counter', labels: ['via', 'result'], help: 'Re-check probes run through the proxy to confirm it is down or back (not in egress_probes_total), by result.' },
  egress_probe_skipped_total: { type: 'counter', labels: ['target', 'via'], help: 'Scheduled runs skipped because the previous probe of the pair was still running.' },
  egress_probe_duration_seconds: { type: 'histogram', labels: ['via'] /* and target with metrics.per_target_histogram */, help: 'Total time of successful probes, from start to the last body byte (per via; per target and via with metrics.per_target_histogram).' },
  egress_ip_info: { type: 'gauge', labels: ['via', 'ip', 'country'], help: 'The egress IP the latest egress check of each via saw, and its country when the IP-echo service named one (value 1); one series per via.' },
  egress_country_expected: { type: 'gauge', labels: ['via'], help: "1 when a proxy's egress country is in egress_ip.expect_country, 0 when not; absent without a list or a country." },
  egress_ip_leak: { type: 'gauge', labels: ['via'], help: "1 when a proxy's egress IP equals the direct path's (the tunnel is not tunnelling), 0 when they differ." },
  egress_ip_expected: { type: 'gauge', labels: ['via'], help: "1 when a proxy's egress IP is inside egress_ip.expect, 0 when outside; absent without a list or an answer." },
  egress_ip_changes_total: { type: 'counter', labels: ['via'], help: "Changes of a via's egress IP seen by the egress check." },
  egress_proxy_up: { type: 'gauge', labels: ['via'], help: 'Whether anything probed through the proxy succeeded in its latest run (1) or everything failed (0).' },
  egress_path_broken_hop: { type: 'gauge', labels: ['via', 'hop'], help: 'Where a proxy path breaks: 1 for the first hop that fails (sidecar, upstream_unreachable, upstream_handshake, tunnel, egress, target); no series while the path works.' },
  egress_upstream_hop_success: { type: 'gauge', labels: ['via', 'step'], help: "Whether the latest hop probe of a proxy's upstream VLESS server succeeded on the direct path: step tcp (connect) and tls (the handshake with the link's SNI; REALITY's camouflage answer is not verified)." },
  egress_upstream_hop_seconds: { type: 'gauge', labels: ['via', 'step'], help: "How long each step of the latest hop probe of a proxy's upstream took." },
  egress_probe_success: { type: 'gauge', labels: ['target', 'via'], help: 'Whether the latest probe of the target through the via succeeded (1) or not (0).' },
  egress_probe_status_code: { type: 'gauge', labels: ['target', 'via'], help: 'HTTP status code of the latest probe (0 when no response arrived).' },
  egress_probe_last_run_timestamp_seconds: { type: 'gauge', labels: ['target', 'via'], help: 'When the latest probe started, in seconds since the epoch.' },
  egress_probe_phase_seconds: { type: 'gauge', labels: ['target', 'via', 'phase'], help: 'Time each phase of the latest probe took (0 for phases it did not reach); only the phases the pair can go through.' },
  egress_probe_failure_reason: { type: 'gauge', labels: ['target', 'via', 'reason'], help: 'Set to 1 for the failure reason of the latest probe; absent when it succeeded.' },
  egress_probe_start_delay_seconds: { type: 'histogram', labels: [], help: 'How late scheduled probes started after their planned slot (concurrency cap, busy event loop).' },
  egress_prober_build_info: { type: 'gauge', labels: ['version', 'nodejs_version'], help: 'Version of egress-prober and of Node.js it runs on (value 1).' },
  egress_prober_local_errors_total: { type: 'counter', labels: [], help: 'Probes that could not run because this machine was out of a local resource (file descriptors, ports, buffers): reason local_resource, not counted against any path.' },
  egress_prober_escaped_errors_total: { type: 'counter', labels: [], help: 'Errors that escaped every handler and reached the last line of defence (logged; the process carries on). Each one is a bug: please report it.' },
  egress_prober_config_last_reload_successful: { type: 'gauge', labels: [], help: 'Whether the last configuration reload attempt was successful.' },
  egress_prober_config_last_reload_success_timestamp_seconds: { type: 'gauge', labels: [], help: 'Timestamp of the last successful configuration reload.' },
  xray_uptime_seconds: { type: 'gauge', labels: [], help: 'Uptime of the Xray/V2Ray process.' },
  xray_goroutines: { type: 'gauge', labels: [], help: 'Goroutines in the Xray/V2Ray process.' },
  xray_memstats_alloc_bytes: { type: 'gauge', labels: [], help: 'Bytes of allocated heap objects (Go MemStats.Alloc).' },
  xray_memstats_sys_bytes: { type: 'gauge', labels: [], help: 'Bytes obtained from the OS (Go MemStats.Sys).' },
  xray_memstats_live_objects: { type: 'gauge', labels: [], help: 'Live heap objects (mallocs - frees).' },
  xray_memstats_mallocs_total: { type: 'counter', labels: [], help: 'Heap objects allocated (Go MemStats.Mallocs).' },
  xray_memstats_frees_total: { type: 'counter', labels: [], help: 'Heap objects freed (Go MemStats.Frees).' },
  xray_memstats_gc_total: { type: 'counter', labels: [], help: 'Completed GC cycles (Go MemStats.NumGC).' },
  xray_memstats_gc_pause_seconds_total: { type: 'counter', labels: [], help: 'Total GC stop-the-world pause time.' },
  xray_up: { type: 'gauge', labels: [], help: 'Whether the Xray/V2Ray stats API answered this scrape (1) or not (0).' },
  xray_scrape_duration_seconds: { type: 'gauge', labels: [], help: 'Time the stats API took to answer (or fail) this scrape.' },
  xray_traffic_uplink_bytes_total: { type: 'counter', labels: ['dimension', 'tag'], help: 'Bytes sent up (client → server) per inbound, outbound or user (QueryStats, never reset).' },
  xray_stats_dropped: { type: 'gauge', labels: [], help: 'Stats of the latest answer not exported: traffic series beyond the first 1000 (by name), or names not of the form dimension>>>tag>>>traffic>>>direction.' },
  xray_traffic_downlink_bytes_total: { type: 'counter', labels: ['dimension', 'tag'], help: 'Bytes sent down (server → client) per inbound, outbound or user (QueryStats, never reset).' },
} as const satisfies Record<string, MetricDef>

/** The name of one of our families. */
export type MetricName = keyof typeof METRICS

/** blackbox_exporter's families on /probe, with its HELP texts (prober/http.go, tcp.go, tls.go, utils.go). */
export const PROBE_METRICS = {
  probe_success: { type: 'gauge', labels: [], help: 'Displays whether or not the probe was a success' },
  probe_duration_seconds: { type: 'gauge', labels: [], help: 'Returns how long the probe took to complete in seconds' },
  probe_dns_lookup_time_seconds: { type: 'gauge', labels: [], help: 'Returns the time taken for probe dns lookup in seconds' },
  probe_ip_protocol: { type: 'gauge', labels: [], help: 'Specifies whether probe ip protocol is IP4 or IP6' },
  probe_ip_addr_hash: { type: 'gauge', labels: [], help: "Specifies the hash of IP address. It's useful to detect if the IP address changes." },
  probe_failed_due_to_regex: { type: 'gauge', labels: [], help: 'Indicates if probe failed due to regex' },
  probe_ssl_earliest_cert_expiry: { type: 'gauge', labels: [], help: 'Returns last SSL chain expiry in unixtime' },
  probe_ssl_last_chain_expiry_timestamp_seconds: { type: 'gauge', labels: [], help: 'Returns last SSL chain expiry in timestamp' },
  probe_ssl_last_chain_info: { type: 'gauge', labels: ['fingerprint_sha256', 'issuer', 'subject', 'subjectalternative'], help: 'Contains SSL leaf certificate information' },
  probe_tls_version_info: { type: 'gauge', labels: ['version'], help: 'Returns the TLS version used or NaN when unknown' },
  probe_http_duration_seconds: { type: 'gauge', labels: ['phase'], help: 'Duration of http request by phase, summed over all redirects' },
  probe_http_status_code: { type: 'gauge', labels: [], help: 'Response HTTP status code' },
  probe_http_content_length: { type: 'gauge', labels: [], help: 'Length of http content response' },
  probe_http_uncompressed_body_length: { type: 'gauge', labels: [], help: 'Length of uncompressed response body' },
  probe_http_version: { type: 'gauge', labels: [], help: 'Returns the version of HTTP of the probe response' },
  probe_http_ssl: { type: 'gauge', labels: [], help: 'Indicates if SSL was used for the final redirect' },
  probe_http_redirects: { type: 'gauge', labels: [], help: 'The number of redirects' },
  probe_http_last_modified_timestamp_seconds: { type: 'gauge', labels: [], help: 'Returns the Last-Modified HTTP response header in unixtime' },
} as const satisfies Record<string, MetricDef>

/** The families probe kinds declared, by name (registerFamilies). */
const kindFamilies = new Map<string, MetricDef>()

/** A family of any part of the catalogue, or undefined. */
export function familyDef (name: string): MetricDef | undefined {
  return (METRICS as Record<string, MetricDef>)[name] ?? (PROBE_METRICS as Record<string, MetricDef>)[name] ?? kindFamilies.get(name)
}

/** Every family of the catalogue: ours, blackbox's and the registered kinds'. */
export function allFamilies (): [string, MetricDef][] {
  return [...Object.entries(METRICS), ...Object.entries(PROBE_METRICS), ...kindFamilies]
}

/**
 * Adds a kind's own families (probes/kinds.ts calls this when it registers the kind). A name
 * must be new and in our namespace (`egress_`), so a kind can neither shadow nor collide.
 */
export function registerFamilies (defs: Readonly<Record<string, MetricDef>>): void {
  for (const [name, def] of Object.entries(defs)) {
    if (!/^egress_[a-z0-9_]+$/.test(name)) throw new Error(`metric "${name}" must be a snake_case name starting with egress_`)
    if (familyDef(name) !== undefined) throw new Error(`metric "${name}" exists already`)
    kindFamilies.set(name, def)
  }
}

/** Options for a prom-client metric of the catalogue. */
export function promClientOptions (name: MetricName): { name: string, help: string, labelNames: string[] } {
  const m: MetricDef = METRICS[name]
  return { name, help: m.help, labelNames: [...m.labels] }
}
