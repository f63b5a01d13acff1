import { exchange } from './exchange.js'
import { judgeAnswer } from './expect.js'
import { toResult } from './result.js'
import type { ProbeFn } from './types.js'

/** GETs (or HEADs) the target URL and judges the answer against its expectations. */
export const probeHttp: ProbeFn = async (job, deps, signal) => {
  const ex = await exchange(job, deps, signal)
  return toResult(job, ex, ex.failure === undefined ? judgeAnswer(job.target, ex) : undefined)
}
