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
import { PROXY_TRANSPORTS } from '../transport/transports.js'
import { KINDS } from './kinds.js'

export function pairPhases (target: TargetConfig, proxy: ProxyConfig | undefined): Phase[] {
  const targetHost = unbracket(target.url.hostname)
  const isName = (host: string): boolean => isIP(host) === 0
  const localResolve = proxy !== undefined && PROXY_TRANSPORTS[proxy.protocol].localResolve && proxy.resolve === 'local'
  const answers = KINDS[target.kind].answers(target.settings)
  const applies: Record<Phase, boolean> = {
    resolve: proxy === undefined ? isName(targetHost) : isName(proxy.host) || (localResolve && isName(targetHost)),
    connect: true,
    proxy: proxy !== undefined,
    tls: target.url.protocol === 'https:' || target.url.protocol === 'tls:',
    processing: answers,
    transfer: answers,
  }
  return PHASES.filter((p) => applies[p])
}
