/**
 * blackbox_exporter's prober families for /probe (names, labels and HELP in the catalogue's
 * `PROBE_METRICS`): what its `http` and `tcp` probers export after the common ones. A kind names
 * the prober it answers like (`blackbox:` in its file); /probe writes that prober's families.
 */
import type { ProbeResult } from '../probes/types.js'
import { PHASES } from '../transport/trace.js'
import type { ExpositionWriter } from './exposition.js'

const gauge = (w: ExpositionWriter, name: string, value: number): void => { w.def(name).sample(name, '', value) }

/** blackbox_exporter's http prober: phases, status, lengths, version, TLS use, redirects, regex. */
function http (w: ExpositionWriter, r: ProbeResult): void {
  w.def('probe_http_duration_seconds')
  for (const phase of PHASES) w.sample('probe_http_duration_seconds', `phase="${phase}"`, r.phases[phase])
  gauge(w, 'probe_http_status_code', r.statusCode)
  gauge(w, 'probe_http_content_length', r.bodyBytes)
  gauge(w, 'probe_http_uncompressed_body_length', r.bodyBytes)
  gauge(w, 'probe_http_version', r.statusCode === 0 ? 0 : 1.1)
  gauge(w, 'probe_http_ssl', r.tls !== undefined ? 1 : 0)
  gauge(w, 'probe_http_redirects', 0)
  gauge(w, 'probe_failed_due_to_regex', r.reason === 'body_mismatch' ? 1 : 0)
  if (r.lastModified !== undefined) gauge(w, 'probe_http_last_modified_timestamp_seconds', r.lastModified)
}

/** blackbox_exporter's tcp prober: whether the expected answer failed to match. */
function tcp (w: ExpositionWriter, r: ProbeResult): void {
  gauge(w, 'probe_failed_due_to_regex', r.reason === 'body_mismatch' ? 1 : 0)
}

/** The blackbox probers a kind can answer like, by blackbox's module prober name. */
export const BLACKBOX_PROBERS = { http, tcp } satisfies Record<string, (w: ExpositionWriter, r: ProbeResult) => void>

/** The name of a blackbox_exporter prober a kind answers /probe like (`blackbox:` in its file). */
export type BlackboxProber = keyof typeof BLACKBOX_PROBERS
