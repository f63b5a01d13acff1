/**
 * The probe kinds, one file each, registered here by name (the `kind:` of their schema).
 * Adding a kind is its file, one line below and its docs; a test or an embedding program can
 * register one more with `registerKind` before it loads a config.
 */
import type { TargetConfig } from '../config/types.js'
import { registerFamilies } from '../metrics/catalogue.js'
import { download } from './download.js'
import { egressIp } from './egress-ip.js'
import { http } from './http.js'
import type { ProbeKind } from './kind.js'
import { registerReason } from './reasons.js'
import { tcp } from './tcp.js'

const registry = new Map<string, ProbeKind>()
let version = 0

/** Adds a kind: its name from its schema's `kind:` literal; its reasons and families join theirs. */
export function registerKind (kind: ProbeKind): string {
  const name = kind.schema.shape.kind.value
  if (registry.has(name)) throw new Error(`probe kind "${name}" exists already`)
  if (kind.egressCheck !== undefined && egressCheckKind() !== undefined) throw new Error(`probe kind "${name}": there is an egress check kind already (${egressCheckKind()})`)
  for (const [reason, blame] of Object.entries(kind.reasons)) registerReason(reason, blame)
  registerFamilies(kind.families)
  registry.set(name, kind)
  version++
  return name
}

/** The kind of a name the config validated (an unknown name is a bug, not a config problem). */
export function kindOf (name: string): ProbeKind {
  const kind = registry.get(name)
  if (kind === undefined) throw new Error(`unknown probe kind "${name}"`)
  return kind
}

/** Every registered kind, in the order registered. */
export const allKinds = (): [string, ProbeKind][] => [...registry]

/** Changes whenever a kind is registered (the config schema is rebuilt then). */
export const kindsVersion = (): number => version

/** The name of the kind that is the egress check (`egress_ip`), if one is registered. */
export function egressCheckKind (): string | undefined {
  for (const [name, kind] of registry) if (kind.egressCheck !== undefined) return name
  return undefined
}

/** Whether targets of this kind are the egress check (their results carry each path's egress IP). */
export const isEgressCheck = (kind: string): boolean => registry.get(kind)?.egressCheck !== undefined

/** The config's egress check target, if it has one (at most one: config/checks.ts). */
export const egressCheckTarget = (targets: readonly TargetConfig[]): TargetConfig | undefined => targets.find((t) => isEgressCheck(t.kind))

registerKind(http)
registerKind(egressIp)
registerKind(tcp)
registerKind(download)
