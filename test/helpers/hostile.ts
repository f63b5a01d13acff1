/**
 * Scripted misbehaving peers (proxies, targets, IP-echo services) on 127.0.0.1. A peer answers
 * the k-th chunk it receives with the k-th reply: bytes, 'close', or a function that takes over
 * the socket (drip, flood). Handshake messages of our client arrive as one chunk each on
 * loopback, so a script reads like the conversation it plays. Connections are counted.
 */
import type net from 'node:net'
import { startRawServer } from './net.js'

/** Bytes to send (the string `'close'` ends the connection instead), or a function that takes the socket over. */
export type Reply = string | Buffer | ((s: net.Socket) => void)

export interface HostilePeer { port: number, connections: () => number, close: () => Promise<void> }

/** A plain, valid HTTP answer, for scripts whose tunnel should work. */
export const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n'

export async function startHostile (replies: Reply[], opts: { greeting?: Reply } = {}): Promise<HostilePeer> {
  return await startRawServer((s) => {
    let k = 0
    const play = (reply: Reply | undefined): void => {
      if (reply === undefined || s.destroyed) return
      if (reply === 'close') s.end()
      else if (typeof reply === 'function') reply(s)
      else s.write(reply)
    }
    play(opts.greeting)
    s.on('data', () => { play(replies[k++]) })
  })
}

/** Writes `chunk` every `everyMs` until the peer goes away. */
export function drip (chunk: string | Buffer, everyMs: number): (s: net.Socket) => void {
  return (s) => {
    const timer = setInterval(() => { if (!s.destroyed) s.write(chunk) }, everyMs)
    s.once('close', () => clearInterval(timer))
  }
}

/** Writes `total` bytes made of `line`, then nothing more. */
export function flood (line: string, total: number): (s: net.Socket) => void {
  return (s) => { s.write(line.repeat(Math.ceil(total / line.length))) }
}

/** SOCKS5: "no authentication" chosen, then a grant whose bound address has type `atyp`. */
export const SOCKS_NO_AUTH = Buffer.from([5, 0])
export function socksGrant (atyp = 1, address: Buffer = Buffer.from([127, 0, 0, 1])): Buffer {
  const addr = atyp === 3 ? Buffer.concat([Buffer.from([address.length]), address]) : address
  return Buffer.concat([Buffer.from([5, 0, 0, atyp]), addr, Buffer.from([0x1f, 0x90])])
}

/** The number of open file descriptors of this process. */
export async function openFds (): Promise<number> {
  const { readdirSync } = await import('node:fs')
  return readdirSync('/proc/self/fd').length
}
