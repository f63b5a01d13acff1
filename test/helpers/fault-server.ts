/**
 * One hostile server for the whole fault matrix (test/helpers/faults.ts): it plays the proxy
 * (SOCKS5, CONNECT, CONNECT over TLS) and then the target behind the "tunnel" (HTTP, TLS, a tcp
 * banner) on the same connection, right up to the case's step, and there applies the fault.
 * Connections are counted: a client that dials again is caught.
 */
import type net from 'node:net'
import tls from 'node:tls'
import { testCerts } from './certs.js'
import { isHttp, PROXY_STEPS, TARGET_STEPS, type FaultCase, type Step } from './faults.js'
import type { HostilePeer } from './hostile.js'
import { startRawServer } from './net.js'

/** Not SOCKS, not HTTP, not TLS, not VLESS, not a banner; ends like a header block so readers stop on it. */
export const GARBAGE = Buffer.from('GARBAGE\x00\xff\x7f\r\n\r\n', 'latin1')
/** The answer's body: an address, so the egress_ip kind reads it too. */
const BODY = ['127.', '0.0.9\n']
const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'
const chunk = (s: string): string => `${s.length.toString(16)}\r\n${s}\r\n`

/** Reads what the client sends on one layer (TCP, or TLS inside it); `release` hands back the rest. */
function reader (sock: net.Socket): { until: (test: (b: Buffer) => number) => Promise<void>, release: () => void } {
  let buf = Buffer.alloc(0)
  let wake = (): void => {}
  const onData = (d: Buffer): void => { buf = Buffer.concat([buf, d]); wake() }
  sock.on('data', onData)
  sock.on('close', () => { wake() })
  return {
    /** Waits until `test` finds a whole message (returns its length, or -1), then drops it. */
    until: async (test) => {
      for (let n = test(buf); n < 0; n = test(buf)) {
        if (sock.destroyed) throw new Error('closed')
        await new Promise<void>((resolve) => { wake = resolve })
      }
      buf = buf.subarray(test(buf))
    },
    release: () => { sock.off('data', onData); sock.pause(); if (buf.length > 0) sock.unshift(buf) },
  }
}

const upTo = (delimiter: string) => (b: Buffer): number => { const i = b.indexOf(delimiter); return i < 0 ? -1 : i + delimiter.length }
const any = (b: Buffer): number => b.length > 0 ? b.length : -1
/** A whole VLESS request header: version, id, addons, command, port, address (by type). */
const vlessRequest = (b: Buffer): number => {
  if (b.length < 18) return -1
  const at = 18 + b[17]! + 1 + 2 // command, port
  if (b.length < at + 2) return -1
  const need = b[at] === 2 ? at + 2 + b[at + 1]! : b[at] === 3 ? at + 1 + 16 : at + 1 + 4
  return b.length >= need ? need : -1
}

/** A whole SOCKS5 request: header, address (by type), port. */
const socksRequest = (b: Buffer): number => {
  if (b.length < 5) return -1
  const need = b[3] === 3 ? 4 + 1 + b[4]! + 2 : b[3] === 4 ? 4 + 16 + 2 : 4 + 4 + 2
  return b.length >= need ? need : -1
}

export async function startFaultServer (c: FaultCase): Promise<HostilePeer> {
  return await startRawServer((raw) => { play(raw, c).catch(() => raw.destroy()) })
}

async function play (raw: net.Socket, c: FaultCase): Promise<void> {
  const { key, cert } = testCerts()
  let sock: net.Socket = raw
  let read = reader(raw)
  /** Starts TLS (as the server) on the current layer. */
  const secure = (): void => {
    read.release()
    const t = new tls.TLSSocket(sock, { isServer: true, key, cert })
    t.on('error', () => { raw.destroy() })
    sock = t
    read = reader(t)
  }
  const fault = (before = ''): void => {
    if (before !== '') sock.write(before)
    // The reset follows what was written a moment later, as a peer's RST follows its last
    // segment. The moment is long enough for a loaded client to read what came first: a RST can
    // take unread bytes with it, and the case would then be one of nothing received.
    if (c.fault === 'reset') setTimeout(() => raw.resetAndDestroy(), 200)
    else if (c.fault === 'close') sock.end()
    else if (c.fault === 'garbage') sock.write(GARBAGE)
  }
  const steps: Step[] = [...PROXY_STEPS[c.transport], ...TARGET_STEPS[c.kind]]
  for (const step of steps) {
    const mine = step === c.step && c.fault !== 'none'
    switch (step) {
      case 'connect': break
      case 'greeting': await read.until((b) => b.length >= 2 && b.length >= 2 + b[1]! ? 2 + b[1]! : -1); break
      case 'proxy_tls':
      case 'target_tls': if (mine) await read.until(any); break
      case 'request': await read.until(c.transport === 'socks5' ? socksRequest : c.transport === 'vless' ? vlessRequest : upTo('\r\n\r\n')); break
      case 'answer': await read.until(upTo(isHttp(c.kind) ? '\r\n\r\n' : '\n')); break
      default: break
    }
    if (mine) {
      // Part of the answer first, for the steps in the middle of one.
      fault(step === 'headers' ? 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n' : step === 'body' ? chunk(BODY[0]!) : step === 'banner' ? 'SSH-2.' : '')
      return
    }
    switch (step) {
      case 'greeting': sock.write(Buffer.from([5, 0])); break
      case 'request':
        // VLESS's response header (version 0, no addons) may come before the target's first byte.
        sock.write(c.transport === 'socks5' ? Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90]) : c.transport === 'vless' ? Buffer.from([0, 0]) : 'HTTP/1.1 200 Connection established\r\n\r\n')
        break
      case 'proxy_tls':
      case 'target_tls': secure(); break
      case 'headers': sock.write(HEAD); break
      case 'body': sock.write(chunk(BODY[0]!) + chunk(BODY[1]!) + '0\r\n\r\n'); break
      case 'banner': sock.write('SSH-2.0-test\r\n'); break
      default: break
    }
  }
}
