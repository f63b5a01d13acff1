/**
 * The checks that span fields or need the file system: vias against proxies, reserved and
 * duplicate names, timeout against interval, CA files. They run on the raw document whether or
 * not the schema accepted it, so a config's every problem is reported in one pass; each reads
 * only what is there and of the right type (the schema reports the rest).
 */
import { X509Certificate } from 'node:crypto'
import { isAbsolute, join } from 'node:path'
import { DEFAULTS } from './build.js'
import { formatPath } from './errors.js'
import { FileProblem, readBoundedFile } from './read-file.js'
import { duration } from './fields.js'
import { isEgressCheck } from '../probes/kinds.js'
import { DIRECT, EGRESS_IP_TARGET } from './types.js'

type Rec = Record<string, unknown>
const rec = (v: unknown): Rec => v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Rec : {}
const list = (v: unknown): unknown[] => Array.isArray(v) ? v : []
/** A duration in ms; `fallback` when absent, undefined when invalid (the schema reports that). */
const ms = (v: unknown, fallback: number): number | undefined => {
  if (v === undefined) return fallback
  const r = duration.safeParse(v)
  return r.success ? r.data : undefined
}

export interface CheckResult {
  problems: string[]
  /** CA files read and parsed, by resolved path, for build.ts. */
  files: Map<string, Buffer>
}

export function crossCheck (raw: unknown, baseDir: string): CheckResult {
  const doc = rec(raw)
  const out: CheckResult = { problems: [], files: new Map() }
  const add = (path: (string | number)[], message: string): void => { out.problems.push(`${formatPath(path)}: ${message}`) }
  const proxies = Object.keys(rec(doc.proxies))
  if (proxies.includes(DIRECT)) add(['proxies', DIRECT], '"direct" is reserved for the path without a proxy')
  const known = [DIRECT, ...proxies.filter((p) => p !== DIRECT)]
  const defaults = rec(doc.defaults)
  const checkProbe = (p: Rec, path: (string | number)[]): void => {
    list(p.via).forEach((v, i) => {
      if (typeof v === 'string' && !known.includes(v)) add([...path, 'via', i], `unknown via "${v.slice(0, 64)}" (known: ${known.join(', ')})`)
    })
    const interval = ms(p.interval ?? defaults.interval, DEFAULTS.intervalMs)
    const timeout = ms(p.timeout ?? defaults.timeout, DEFAULTS.timeoutMs)
    if (p.schedule === undefined && interval !== undefined && timeout !== undefined && timeout >= interval) {
      const where = p.timeout !== undefined ? [...path, 'timeout'] : p.interval !== undefined ? [...path, 'interval'] : ['defaults', 'timeout']
      add(where, `timeout (${timeout} ms) must be shorter than interval (${interval} ms)`)
    }
    checkCa(p, path)
  }
  const checkCa = (p: Rec, path: (string | number)[]): void => {
    const caFile = rec(p.tls).ca_file
    if (typeof caFile === 'string') {
      const file = isAbsolute(caFile) ? caFile : join(baseDir, caFile)
      const problem = readCa(file, out.files)
      if (problem !== undefined) add([...path, 'tls', 'ca_file'], problem)
    }
  }
  for (const [name, spec] of Object.entries(rec(doc.proxies))) checkCa(rec(spec), ['proxies', name])
  const targets = list(doc.targets)
  if (targets.length === 0 && doc.egress_ip === undefined) add(['targets'], 'nothing to probe: add targets or egress_ip')
  const seen = new Set<string>()
  // The egress IP of a path comes from one check: the `egress_ip:` section or one target of that kind.
  let egressCheck = doc.egress_ip === undefined ? undefined : 'egress_ip'
  targets.forEach((t, i) => {
    const target = rec(t)
    checkProbe(target, ['targets', i])
    if (typeof target.kind === 'string' && isEgressCheck(target.kind)) {
      if (egressCheck !== undefined) add(['targets', i, 'kind'], `only one egress-IP check is allowed (there is one in ${egressCheck})`)
      egressCheck ??= formatPath(['targets', i])
    }
    const name = target.name
    if (typeof name !== 'string') return
    if (name === EGRESS_IP_TARGET && doc.egress_ip !== undefined) add(['targets', i, 'name'], `"${EGRESS_IP_TARGET}" is the name of the egress_ip section's check`)
    if (seen.has(name)) add(['targets', i, 'name'], `duplicate target name "${name.slice(0, 64)}"`)
    seen.add(name)
  })
  if (doc.egress_ip !== undefined) checkProbe(rec(doc.egress_ip), ['egress_ip'])
  return out
}

/** The largest CA bundle read (Debian's whole ca-certificates.crt is about 200 KiB). */
const MAX_CA_BYTES = 4 * 1024 * 1024

/** Reads a PEM bundle of CA certificates; returns a problem, or records the file. */
function readCa (file: string, files: Map<string, Buffer>): string | undefined {
  let pem: Buffer
  try { pem = readBoundedFile(file, MAX_CA_BYTES).data } catch (err) {
    if (!(err instanceof FileProblem)) throw err
    return err.about(file)
  }
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  if (blocks.length === 0) return `"${file}" holds no PEM certificate`
  for (const block of blocks) {
    // Parsing is the check: the object is not needed.
    // eslint-disable-next-line no-new
    try { new X509Certificate(block) } catch { return `"${file}" holds a certificate that does not parse` }
  }
  files.set(file, pem)
  return undefined
}
