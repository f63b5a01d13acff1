/**
 * The phases a (target, via) pair can go through, from its config alone: a direct pair has no
 * proxy handshake, a plain-HTTP target no TLS, and nothing is resolved when the first hop is an
 * IP address. /metrics exports only these, so a series never sits at a constant 0 (and the set
 * of a pair's series does not change with its results).
 */
import { isIP } from 'node:net'
import type { ProxyConfig, TargetConfig } from '../config/types.js'
import { unbracket } from '../net/ip.js'
import { PHASES, type Phase } from '../transport/trace.js'
import { transportOf } from '../transport/transports.js'
import { kindOf } from './kinds.js'

/** The phases a (target, via) pair can go through, from its config alone. */
export function pairPhases (target: TargetConfig, proxy: ProxyConfig | undefined): Phase[] {
  const targetHost = unbracket(target.url.hostname)
  const isName = (host: string): boolean => isIP(host) === 0
  const localResolve = proxy !== undefined && transportOf(proxy.protocol).localResolve && proxy.resolve === 'local'
  const kind = kindOf(target.kind)
  const answers = kind.answers(target.settings)
  const applies: Record<Phase, boolean> = {
    resolve: proxy === undefined ? isName(targetHost) : isName(proxy.host) || (localResolve && isName(targetHost)),
    connect: true,
    proxy: proxy !== undefined,
    tls: kind.tlsSchemes.includes(target.url.protocol),
    processing: answers,
    transfer: answers,
  }
  return PHASES.filter((p) => applies[p])
}
