/** The one probe signature, its inputs and its result value. */
import type { ProxyConfig, TargetConfig } from '../config/types.js'
import type { Lookup } from '../transport/dial.js'
import type { TlsFacts, TlsSetup } from '../transport/tls.js'
import type { Clock, Phase } from '../transport/trace.js'
import type { FailureReason } from './reasons.js'

/** One (target, via) pair, prepared once at start-up (TLS context built, proxy looked up). */
export interface ProbeJob {
  target: TargetConfig
  via: string
  proxy?: ProxyConfig
  tls: TlsSetup
}

/** What a probe needs from the world, injected: name lookup, clocks, the User-Agent. */
export interface ProbeDeps {
  lookup: Lookup
  /** Monotonic milliseconds (performance.now). */
  now: Clock
  /** Wall-clock milliseconds (Date.now), for timestamps. */
  wallClock: Clock
  userAgent: string
}

/** What one probe of one (target, via) pair found: success or a reason, the phases, the answer's facts. */
export interface ProbeResult {
  target: string
  via: string
  /** The target's kind (probes/kinds.ts). */
  kind: string
  success: boolean
  /** Set when success is false. */
  reason?: FailureReason
  /** What happened, for logs and the status page; never contains secrets. */
  message: string
  phases: Record<Phase, number>
  durationSeconds: number
  /** 0 when no response arrived. */
  statusCode: number
  /** Body bytes read (at most the target's max_body_bytes). */
  bodyBytes: number
  egressIp?: string
  /** The egress country the IP-echo service named (ISO 3166-1 alpha-2), when it did. */
  egressCountry?: string
  /** Wall-clock start, milliseconds since the epoch. */
  startedAt: number
  /** The address connected to: the target's on the direct path, the proxy's through one. */
  address?: string
  /** The TLS handshake with the target (https). */
  tls?: TlsFacts
  /** The answer's Last-Modified, in seconds since the epoch. */
  lastModified?: number
  /** What the kind measured of its own (download's rate): read only by the kind's file, like its settings. */
  own?: unknown
}
