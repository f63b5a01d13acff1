/**
 * Per-probe timing: the stage a probe is in and when each stage ended. One vocabulary of
 * phases for every path (after got's timer.ts), so every phase series always exists.
 */
import type { TlsFacts } from './tls.js'

/** Phases reported for every probe, in order; `proxy` is the SOCKS/CONNECT handshake. */
export const PHASES = ['resolve', 'connect', 'proxy', 'tls', 'processing', 'transfer'] as const
/** One phase of a probe (PHASES, in order). */
export type Phase = typeof PHASES[number]

/** Milliseconds from a clock: monotonic (performance.now) or the wall clock (Date.now). */
export type Clock = () => number

/** The timings of one probe: each phase from the clock, where the connection was lost, the TLS facts. */
export class Trace {
  /** The phase in progress; an error or a deadline is attributed to it. */
  stage: Phase = 'resolve'
  /** True once a proxy granted the tunnel (SOCKS reply 0 or CONNECT 2xx). */
  tunnelGranted = false
  /** Milliseconds at which each phase ended. */
  private readonly ends: Partial<Record<Phase, number>> = {}
  readonly startedAt: number
  /** The first error a step of the connection raised, before undici wrapped it. */
  cause: unknown
  /** The first `error` event of any of the probe's sockets (transport/guard.ts). */
  socketError?: Error
  /** The address the connection went to (the target's, or the proxy's), once connected. */
  remoteAddress?: string
  /** What the TLS handshake with the target showed, for https. */
  tls?: TlsFacts
  /** How the established connection ended, if it did: closed by the peer or destroyed locally. */
  lost?: { by: 'peer' | 'local' }
  private finished = false

  constructor (private readonly now: Clock) {
    this.startedAt = now()
  }

  /** When the first response byte became readable (set by the connector's socket hook). */
  firstByteAt?: number

  /** Ends the current phase and moves to `next`; phases in between took no time. */
  advance (next: Phase, at = this.now()): void {
    const t = at
    for (let i = PHASES.indexOf(this.stage); i < PHASES.indexOf(next); i++) this.ends[PHASES[i]!] = t
    this.stage = next
  }

  /** Ends the phase in progress: the probe is over. */
  finish (): void {
    this.ends[this.stage] ??= this.now()
    this.finished = true
  }

  /** When the request was handed to the socket (the start of `processing`). */
  requestWrittenAt?: number

  markRequestWritten (): void {
    this.requestWrittenAt ??= this.now()
  }

  /** Records the first response byte (the end of `processing`), once. */
  markFirstByte (): void {
    this.firstByteAt ??= this.now()
  }

  /** Elapsed milliseconds since the start (to the finish, once finished). */
  elapsed (): number {
    return (this.finished ? (this.ends[this.stage] ?? this.now()) : this.now()) - this.startedAt
  }

  /**
   * Phase durations in seconds. Phases after the one in progress (or the one that failed)
   * are 0; that one runs until the finish (so a proxy timeout shows as a long `proxy` phase).
   */
  phases (): Record<Phase, number> {
    const out = {} as Record<Phase, number>
    let prev = this.startedAt
    const current = PHASES.indexOf(this.stage)
    PHASES.forEach((p, i) => {
      const end = this.ends[p] ?? (i === current ? this.now() : undefined)
      if (end === undefined || i > current) { out[p] = 0; return }
      // processing runs from the request write; undici's moments before it are in no phase.
      const start = p === 'processing' ? Math.max(prev, this.requestWrittenAt ?? prev) : prev
      out[p] = Math.max(0, end - start) / 1000
      prev = end
    })
    return out
  }
}
