/**
 * The VLESS framing on an open stream to the server (TCP, TLS or WebSocket), per Xray-core's
 * `proxy/vless/encoding`: the request header goes out at once (version 0, the 16-byte id, no
 * addons, command TCP, port, address type 1/2/3, address); the server's response header
 * (version, addons length, addons) comes with its first bytes, which may be the target's answer
 * to our first write, so it is stripped from the first bytes read rather than awaited. A
 * response whose version is not 0 ends the stream with a `proxy_rejected` error; nothing
 * before the server closes means the server refused us (a wrong id) and reads as a tunnel that
 * carried nothing.
 */
import { isIP } from 'node:net'
import { Duplex } from 'node:stream'
import { ipBytes } from '../net/ip.js'
import { DialError } from './dial-error.js'

/** VLESS address types (VMess codes, not SOCKS's). */
const ATYP = { ipv4: 1, domain: 2, ipv6: 3 } as const
const COMMAND_TCP = 1

/** The request header for a TCP stream to host:port. */
export function vlessRequest (id: Buffer, host: string, port: number): Buffer {
  const family = isIP(host)
  const name = Buffer.from(host)
  if (family === 0 && name.length > 255) throw new DialError('proxy_rejected', 'VLESS: the target name is longer than 255 bytes')
  const address = family === 4
    ? Buffer.concat([Buffer.from([ATYP.ipv4]), ipBytes(host)])
    : family === 6 ? Buffer.concat([Buffer.from([ATYP.ipv6]), ipBytes(host)]) : Buffer.concat([Buffer.from([ATYP.domain, name.length]), name])
  const p = Buffer.alloc(2)
  p.writeUInt16BE(port)
  return Buffer.concat([Buffer.from([0]), id, Buffer.from([0, COMMAND_TCP]), p, address])
}

export class VlessStream extends Duplex {
  /** Bytes of the response header still expected (undefined: its first two bytes not yet read). */
  private pending: Buffer | undefined = Buffer.alloc(0)
  private addons = -1

  constructor (private readonly inner: Duplex, request: Buffer) {
    super({ allowHalfOpen: false })
    inner.on('data', (chunk: Buffer) => { this.receive(chunk) })
    inner.on('end', () => { this.push(null) })
    inner.on('error', (err) => { this.destroy(err) })
    inner.on('close', () => { if (!this.destroyed) this.push(null) })
    inner.write(request)
  }

  /** Strips the response header from the first bytes, bounded by its own length fields. */
  private receive (chunk: Buffer): void {
    if (this.pending === undefined) { if (!this.push(chunk)) this.inner.pause(); return }
    const buf = Buffer.concat([this.pending, chunk])
    if (buf.length < 2) { this.pending = buf; return }
    if (buf[0] !== 0) { this.destroy(new DialError('proxy_rejected', `VLESS: not a VLESS response (version byte ${buf[0]})`)); return }
    this.addons = buf[1]!
    if (buf.length < 2 + this.addons) { this.pending = buf; return }
    this.pending = undefined
    const rest = buf.subarray(2 + this.addons)
    if (rest.length > 0 && !this.push(rest)) this.inner.pause()
  }

  override _read (): void { this.inner.resume() }

  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.inner.write(chunk, callback)
  }

  override _final (callback: (error?: Error | null) => void): void { this.inner.end(callback) }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy()
    callback(error)
  }

  // What HTTP clients call on a socket; the stream underneath is already set up.
  setNoDelay (): this { return this }
  setKeepAlive (): this { return this }
  setTimeout (): this { return this }
  ref (): this { return this }
  unref (): this { return this }
}
