/**
 * `kind: download`: fetches up to `max_bytes` of a URL (10 MiB by default) and measures the
 * throughput of the body, first byte to last: a tunnel that answers every latency probe but
 * crawls shows here. Run it on a slow schedule. A probe cut by its deadline still reports the
 * rate it reached.
 */
import { z } from 'zod'
import { commonFields, httpHeaders, httpStatus, httpUrl } from '../config/fields.js'
import type { StatusRange } from '../config/types.js'
import { exchange, type HttpRequest } from './exchange.js'
import { inRanges } from './expect.js'
import { labelString } from '../metrics/exposition.js'
import { defineKind } from './kind.js'
import { toResult } from './result.js'
import type { ProbeResult } from './types.js'

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024
const MAX_MAX_BYTES = 1024 * 1024 * 1024
/** A transfer shorter than this is timed as this long (one read can deliver a small body at once). */
const MIN_TRANSFER_S = 0.001

const schema = z.strictObject({
  kind: z.literal('download'),
  url: httpUrl,
  ...commonFields,
  headers: httpHeaders.optional(),
  max_bytes: z.number().int().positive().max(MAX_MAX_BYTES).optional(),
  expect: z.strictObject({ status: httpStatus.optional() }).optional(),
  /** An absolute floor for the EgressThroughputLow alert (exported, not judged here). */
  min_bytes_per_second: z.number().positive().optional(),
  /** A proxy slower than this share of direct's throughput raises EgressThroughputLow. */
  min_ratio_to_direct: z.number().gt(0).lte(1).optional(),
})

export interface DownloadSettings { request: HttpRequest, status: StatusRange[], floor?: number, minRatio?: number }

export const download = defineKind({
  schema,
  blackbox: 'http',
  build: (raw): DownloadSettings => ({
    request: { method: 'GET', headers: raw.headers ?? {}, maxBodyBytes: raw.max_bytes ?? DEFAULT_MAX_BYTES, atBound: 'stop', keepBody: false },
    status: raw.expect?.status ?? [{ min: 200, max: 299 }],
    ...(raw.min_bytes_per_second !== undefined && { floor: raw.min_bytes_per_second }),
    ...(raw.min_ratio_to_direct !== undefined && { minRatio: raw.min_ratio_to_direct }),
  }),
  probe: async (job, s, deps, signal) => {
    const ex = await exchange(job, s.request, deps, signal)
    const badStatus = ex.failure === undefined && !inRanges(ex.statusCode, s.status)
    const result = toResult(job, ex, badStatus ? { reason: 'http_status', message: `unexpected status ${ex.statusCode}` } : undefined)
    if (ex.bodyBytes > 0) result.own = { bytesPerSecond: ex.bodyBytes / Math.max(MIN_TRANSFER_S, result.phases.transfer) } satisfies Rated
    if (result.success) result.message = `${ex.bodyBytes} bytes at ${rate(result)}`
    return result
  },
  tlsSchemes: ['https:'],
  families: {
    egress_probe_throughput_bytes_per_second: { type: 'gauge', labels: ['target', 'via'], help: "Body bytes per second of the pair's latest download, first byte to last (kind: download; also when the deadline cut it)." },
    egress_probe_throughput_floor_bytes_per_second: { type: 'gauge', labels: ['target'], help: "A download target's min_bytes_per_second: EgressThroughputLow fires for a proxy below it." },
    egress_probe_throughput_min_ratio: { type: 'gauge', labels: ['target'], help: "A download target's min_ratio_to_direct: EgressThroughputLow fires for a proxy below this share of direct's rate." },
  },
  probeFamilies: (w, r) => {
    w.def('egress_probe_throughput_bytes_per_second')
    const rated = ratedOf(r)
    if (rated !== undefined) w.sample('egress_probe_throughput_bytes_per_second', '', rated.bytesPerSecond)
  },
  // The rate of each pair's latest download; a target's limits once one of its pairs has a rate.
  metrics: (w, pairs) => {
    const rated = pairs.flatMap((p) => { const r = ratedOf(p.result); return r === undefined ? [] : [{ ...p, rate: r.bytesPerSecond }] })
    w.def('egress_probe_throughput_bytes_per_second')
    for (const p of rated) w.sample('egress_probe_throughput_bytes_per_second', p.labels, p.rate)
    const limits = new Map(rated.map((p) => [p.target.name, p.settings]))
    w.def('egress_probe_throughput_floor_bytes_per_second')
    for (const [target, s] of limits) if (s.floor !== undefined) w.sample('egress_probe_throughput_floor_bytes_per_second', labelString([['target', target]]), s.floor)
    w.def('egress_probe_throughput_min_ratio')
    for (const [target, s] of limits) if (s.minRatio !== undefined) w.sample('egress_probe_throughput_min_ratio', labelString([['target', target]]), s.minRatio)
  },
})

/** What a download measured of its own (ProbeResult.own): the body's rate, once a byte came. */
export interface Rated { bytesPerSecond: number }
/** The rate a download result measured (undefined before the first body byte, or for another kind). */
export const ratedOf = (r: ProbeResult): Rated | undefined => r.kind === 'download' ? r.own as Rated | undefined : undefined

function rate (r: ProbeResult): string {
  const bps = ratedOf(r)?.bytesPerSecond ?? 0
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} MB/s` : `${(bps / 1e3).toFixed(1)} kB/s`
}
