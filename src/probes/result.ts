import type { FailureReason } from './reasons.js'
import type { Exchange } from './exchange.js'
import type { ProbeJob, ProbeResult } from './types.js'

/** Builds the result value of a probe from its exchange and the verdict on the answer. */
export function toResult (job: ProbeJob, ex: Exchange, failure?: { reason: FailureReason, message: string }, egressIp?: string): ProbeResult {
  const fail = ex.failure ?? failure
  const result: ProbeResult = {
    target: job.target.name,
    via: job.via,
    kind: job.target.kind,
    success: fail === undefined,
    message: fail?.message ?? `status ${ex.statusCode}`,
    phases: ex.trace.phases(),
    durationSeconds: ex.trace.elapsed() / 1000,
    statusCode: ex.statusCode,
    bodyBytes: ex.bodyBytes,
    startedAt: ex.startedAt,
  }
  if (fail !== undefined) result.reason = fail.reason
  if (egressIp !== undefined) result.egressIp = egressIp
  if (ex.trace.remoteAddress !== undefined) result.address = ex.trace.remoteAddress
  if (ex.trace.tls !== undefined) result.tls = ex.trace.tls
  const lastModified = Date.parse(String(ex.headers['last-modified'] ?? ''))
  if (Number.isFinite(lastModified)) result.lastModified = lastModified / 1000
  return result
}
