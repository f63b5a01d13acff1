import type { ProbeJob } from './types.js'

/** The one key of a (target, via) pair: scheduler, store, metrics and reloads all use it. */
export const pairKey = (target: string, via: string): string => `${target}\u0000${via}`

/** The key of a job's (target, via) pair. */
export const jobKey = (job: ProbeJob): string => pairKey(job.target.name, job.via)
