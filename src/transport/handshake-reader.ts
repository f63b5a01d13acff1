/**
 * Reads a proxy handshake off a connected socket: exact byte counts (SOCKS5) or up to a
 * delimiter (an HTTP header block), never more than `maxBytes` buffered. Bytes that arrive
 * after the handshake are handed back by `release()` instead of being lost.
 */
import type { Socket } from 'node:net'
import { DialError } from './dial-error.js'

export class HandshakeReader {
  private buf = Buffer.alloc(0)
  private wake: (() => void) | undefined
  private ended = false
  private reset = false
  private readonly onData = (chunk: Buffer): void => { this.buf = Buffer.concat([this.buf, chunk]); this.wake?.() }
  private readonly onEnd = (): void => { this.ended = true; this.wake?.() }
  // A reset (ECONNRESET, EPIPE) arrives as 'error' before 'close': it ends the wait too.
  private readonly onError = (): void => { this.reset = true; this.ended = true; this.wake?.() }

  constructor (private readonly socket: Socket, private readonly what: string, private readonly maxBytes: number) {
    socket.on('data', this.onData).on('end', this.onEnd).on('close', this.onEnd).on('error', this.onError)
  }

  /** The next `n` bytes. */
  async bytes (n: number): Promise<Buffer> {
    await this.fill(() => this.buf.length >= n, n)
    const out = this.buf.subarray(0, n)
    this.buf = this.buf.subarray(n)
    return out
  }

  /** Everything up to and including `delimiter`. */
  async until (delimiter: string): Promise<Buffer> {
    let end = -1
    await this.fill(() => (end = this.buf.indexOf(delimiter)) >= 0, this.maxBytes)
    const out = this.buf.subarray(0, end + delimiter.length)
    this.buf = this.buf.subarray(end + delimiter.length)
    return out
  }

  /** Stops reading; returns the bytes that arrived beyond the handshake (the socket is paused). */
  release (): Buffer {
    this.socket.off('data', this.onData).off('end', this.onEnd).off('close', this.onEnd).off('error', this.onError)
    this.socket.pause()
    return this.buf
  }

  private async fill (done: () => boolean, need: number): Promise<void> {
    while (!done()) {
      if (this.buf.length > this.maxBytes || need > this.maxBytes) {
        throw new DialError('proxy_rejected', `${this.what}: the proxy's answer exceeds ${this.maxBytes} bytes`)
      }
      // A reset, a close, or our deadline (which destroys the socket) ends the wait.
      if (this.ended || this.socket.destroyed) {
        throw new DialError('proxy_rejected', `${this.what}: the proxy ${this.reset ? 'reset' : 'closed'} the connection during the handshake`)
      }
      await new Promise<void>((resolve) => { this.wake = resolve })
      this.wake = undefined
    }
  }
}
