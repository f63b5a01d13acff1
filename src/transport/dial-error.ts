import type { FailureReason } from '../probes/reasons.js'

/**
 * A step of a dial failed in a way that names its own reason (a proxy's refusal, an answer that
 * is not a handshake). Raised where it happens, with a stable reason; never matched by text.
 */
export class DialError extends Error {
  constructor (readonly reason: FailureReason, message: string) {
    super(message)
    this.name = 'DialError'
  }
}
