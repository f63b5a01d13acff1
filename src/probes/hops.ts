/**
 * Hop probes: what the direct path says about a proxy's upstream VLESS server (its `upstream:`
 * link), no core needed. A TCP connection to the server's address, then the TLS handshake with
 * the link's SNI: for REALITY the camouflage site's certificate answers an unauthenticated
 * client, so only that it answered, and how fast, is recorded (never verified against the
 * server's name); for security=tls it is verified (unless the link says allowInsecure=1). A
 * reset during the handshake is the DPI signature. Runs never throw.
 */
import type { VlessLink } from '../config/vless-link.js'
import { dial } from '../transport/dial.js'
import { prepareTls } from '../transport/tls.js'
import { Trace } from '../transport/trace.js'
import { withDeadline } from './deadline.js'
import { classifyError } from './failure.js'
import type { FailureReason } from './reasons.js'
import type { ProbeDeps } from './types.js'

/** One step of a hop probe: whether it worked, why not, and how long it took. */
export interface HopStep { ok: boolean, reason?: FailureReason, seconds: number }

/** The upstream's hops as the direct path sees them: TCP, then TLS (absent for security=none). */
export interface HopResult { at: number, tcp: HopStep, tls?: HopStep }

/** Probes a proxy's upstream VLESS server on the direct path: TCP connect, then TLS with the link's SNI when it has security=tls. Never throws. */
export async function probeUpstream (link: VlessLink & { insecure?: boolean }, deps: ProbeDeps, timeoutMs: number, outer?: AbortSignal): Promise<HopResult> {
  const secure = link.security !== 'none'
  const trace = new Trace(deps.now)
  const at = deps.wallClock()
  const tls = prepareTls({ insecureSkipVerify: link.security === 'reality' || link.insecure === true, ...(link.sni !== '' && { serverName: link.sni }) })
  const outcome = await withDeadline(timeoutMs, outer, async (signal) => {
    const socket = await dial({ host: link.host, port: link.port, secure }, { tls, trace, signal, lookup: deps.lookup })
    socket.destroy()
  })
  trace.finish()
  const phases = trace.phases()
  const tcpSeconds = phases.resolve + phases.connect
  if (outcome.ok) return { at, tcp: { ok: true, seconds: tcpSeconds }, ...(secure && { tls: { ok: true, seconds: phases.tls } }) }
  const failure = classifyError(outcome.error, trace, { timedOut: outcome.timedOut, viaProxy: false })
  // The stage the failure struck decides the hop: before TLS, the TCP hop; in it, the handshake.
  if (trace.stage === 'resolve' || trace.stage === 'connect') return { at, tcp: { ok: false, reason: failure.reason, seconds: tcpSeconds } }
  return { at, tcp: { ok: true, seconds: tcpSeconds }, tls: { ok: false, reason: failure.reason, seconds: phases.tls } }
}
