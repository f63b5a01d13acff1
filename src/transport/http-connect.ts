/**
 * HTTP CONNECT tunnelling (RFC 9110 §9.3.6) on an already connected socket. A 2xx grants the
 * tunnel; 407 means bad or missing credentials; anything else is a refusal.
 */
import type { Socket } from 'node:net'
import type { ProxyConfig } from '../config/types.js'
import { ProxyHandshakeError } from './proxy-error.js'

const MAX_HEADER_BYTES = 16 * 1024

export function httpConnect (socket: Socket, proxy: ProxyConfig, authority: string, signal: AbortSignal): Promise<void> {
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`]
  if (proxy.username !== undefined) {
    const token = Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')
    lines.push(`Proxy-Authorization: Basic ${token}`)
  }
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const done = (err?: Error): void => {
      socket.off('data', onData).off('error', done).off('end', onEnd)
      signal.removeEventListener('abort', onAbort)
      if (err !== undefined) reject(err)
      else resolve()
    }
    const onAbort = (): void => { socket.destroy(); done(signal.reason as Error) }
    const onEnd = (): void => done(new ProxyHandshakeError('proxy_rejected', 'proxy closed the connection before answering CONNECT'))
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) {
        if (buf.length > MAX_HEADER_BYTES) done(new ProxyHandshakeError('proxy_rejected', 'proxy answered CONNECT with an oversized header'))
        return
      }
      socket.pause()
      if (end + 4 < buf.length) socket.unshift(buf.subarray(end + 4))
      const statusLine = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1')
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
      const status = m === null ? 0 : Number(m[1])
      if (status >= 200 && status < 300) return done()
      if (status === 407) return done(new ProxyHandshakeError('proxy_auth', 'proxy answered CONNECT with 407 Proxy Authentication Required'))
      const shown = status === 0 ? `an invalid answer "${statusLine.slice(0, 40)}"` : `status ${status}`
      done(new ProxyHandshakeError('proxy_rejected', `proxy answered CONNECT with ${shown}`))
    }
    socket.on('data', onData).once('error', done).once('end', onEnd)
    signal.addEventListener('abort', onAbort, { once: true })
    socket.write(lines.join('\r\n') + '\r\n\r\n')
  })
}
