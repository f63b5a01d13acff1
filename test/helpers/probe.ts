/** Builds probe jobs from YAML and runs them with a test resolver. */
import { parseConfigText } from '../../src/config/load.js'
import type { Config } from '../../src/config/types.js'
import { buildJobs, runProbe } from '../../src/probes/index.js'
import type { ProbeDeps, ProbeJob, ProbeResult } from '../../src/probes/types.js'
import type { Lookup } from '../../src/transport/dial.js'

/** Resolves `localhost` and `*.test` to 127.0.0.1, `nxdomain.test` to ENOTFOUND; records names. */
export function testLookup (): Lookup & { calls: string[] } {
  const calls: string[] = []
  const lookup = async (hostname: string): Promise<{ address: string, family: number }> => {
    calls.push(hostname)
    if (hostname === 'nxdomain.test') throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
    if (hostname === 'localhost' || hostname.endsWith('.test')) return { address: '127.0.0.1', family: 4 }
    throw Object.assign(new Error(`test lookup refuses ${hostname}`), { code: 'ENOTFOUND' })
  }
  return Object.assign(lookup, { calls })
}

export function testDeps (lookup: Lookup = testLookup()): ProbeDeps {
  return { lookup, now: () => performance.now(), wallClock: () => Date.now(), userAgent: 'egress-prober-test' }
}

export function configFrom (yaml: string, baseDir = process.cwd()): Config {
  return parseConfigText(yaml, baseDir, 'test.yml', {})
}

/** Runs every job of a config once and returns the results keyed `target/via`. */
export async function probeAll (yaml: string, deps: ProbeDeps = testDeps()): Promise<Record<string, ProbeResult>> {
  const jobs: ProbeJob[] = buildJobs(configFrom(yaml))
  const results = await Promise.all(jobs.map((j) => runProbe(j, deps)))
  return Object.fromEntries(results.map((r) => [`${r.target}/${r.via}`, r]))
}
