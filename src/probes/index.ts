/** Running a probe of any kind, and preparing the (target, via) pairs of a config. */
import { DIRECT, type Config } from '../config/types.js'
import { prepareTls } from '../transport/tls.js'
import { kindOf } from './kinds.js'
import type { ProbeDeps, ProbeJob, ProbeResult } from './types.js'

/** Runs the probe kind of the job's target. */
export function runProbe (job: ProbeJob, deps: ProbeDeps, signal?: AbortSignal): Promise<ProbeResult> {
  return kindOf(job.target.kind).probe(job, deps, signal)
}

/** Prepares every (target, via) pair of a config: TLS contexts built once per target. */
export function buildJobs (config: Config): ProbeJob[] {
  return config.targets.flatMap((target) => {
    const tls = prepareTls(target.tls)
    return target.via.map((via) => {
      const job: ProbeJob = { target, via, tls }
      const proxy = config.proxies[via]
      if (via !== DIRECT && proxy !== undefined) job.proxy = proxy
      return job
    })
  })
}
