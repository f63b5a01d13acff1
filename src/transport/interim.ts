/**
 * Drops interim 1xx answers (other than 101) that arrive before the final response. RFC 9110
 * §15.2: a client must accept them even when it did not ask for one; undici treats an
 * unsolicited `100 Continue` as a broken response. Only the first bytes of a connection pass
 * through here (at most MAX_BYTES); the socket then gets its own `push` back.
 */
import type { Socket } from 'node:net'

const MAX_BYTES = 16 * 1024
const INTERIM = /^HTTP\/1\.[01] 1(?!01)\d\d[ \r]/

export function dropInterimResponses (socket: Socket): void {
  const push = socket.push.bind(socket)
  let held: Buffer = Buffer.alloc(0)
  const restore = (): void => { delete (socket as { push?: unknown }).push }
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (!Buffer.isBuffer(chunk)) { // end of stream (null) or an unexpected chunk: hand over as is
      restore()
      if (held.length > 0) push(held)
      return push(chunk, encoding)
    }
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk])
    for (;;) {
      if (held.length < 13 && 'HTTP/1.1 100 '.startsWith(held.toString('latin1', 0, 5))) return true // too short to tell
      if (!INTERIM.test(held.toString('latin1', 0, 13))) break
      const end = held.indexOf('\r\n\r\n')
      if (end < 0) {
        if (held.length <= MAX_BYTES) return true
        break // an endless interim header: undici reports it as too large
      }
      held = held.subarray(end + 4)
      if (held.length === 0) return true
    }
    restore()
    const rest = held
    held = Buffer.alloc(0)
    return push(rest)
  }
}
