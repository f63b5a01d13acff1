/** The probe kinds, one entry each; adding a kind is one file and one line here. */
import { isIP, BlockList } from 'node:net'
import { DIRECT, type Config, type ProbeKind } from '../config/types.js'
import { prepareTls } from '../transport/tls.js'
import { probeEgressIp } from './egress-ip.js'
import { probeHttp } from './http.js'
import type { ProbeDeps, ProbeFn, ProbeJob, ProbeResult } from './types.js'

export const PROBERS = {
  http: probeHttp,
  egress_ip: probeEgressIp,
} satisfies Record<ProbeKind, ProbeFn>

/** Runs the probe kind of the job's target. */
export function runProbe (job: ProbeJob, deps: ProbeDeps, signal?: AbortSignal): Promise<ProbeResult> {
  return PROBERS[job.target.kind](job, deps, signal)
}

/** Prepares every (target, via) pair of a config: TLS contexts built once per target. */
export function buildJobs (config: Config): ProbeJob[] {
  const allowed = allowList(config.egressIp.expect)
  return config.targets.flatMap((target) => {
    const tls = prepareTls(target.tls)
    return target.via.map((via) => {
      const job: ProbeJob = { target, via, tls }
      const proxy = config.proxies[via]
      if (via !== DIRECT && proxy !== undefined) {
        job.proxy = proxy
        if (target.kind === 'egress_ip' && allowed !== undefined) job.allowedEgress = allowed
      }
      return job
    })
  })
}

function allowList (entries: string[]): BlockList | undefined {
  if (entries.length === 0) return undefined
  const list = new BlockList()
  for (const entry of entries) {
    const [ip = '', bits] = entry.split('/')
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(ip, family)
    else list.addSubnet(ip, Number(bits), family)
  }
  return list
}
