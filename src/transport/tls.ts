import { isIP } from 'node:net'
import tls from 'node:tls'
import type { TlsConfig } from '../config/types.js'

/** TLS options for one target; the SecureContext is built on first use and shared. */
export interface TlsSetup {
  readonly secureContext: tls.SecureContext
  rejectUnauthorized: boolean
  serverName?: string
}

/**
 * One SecureContext per set of trusted CAs, shared by every target that trusts them: building
 * one costs ~0.4 ms CPU, and each holds its own copy of the CA store in native memory (a
 * thousand plain-HTTP targets used to cost ~100 MB of RSS for contexts nobody used).
 */
const contexts = new Map<string, tls.SecureContext>()

function sharedContext (ca: Buffer | undefined): tls.SecureContext {
  const key = ca === undefined ? '' : ca.toString('base64')
  let context = contexts.get(key)
  if (context === undefined) {
    context = tls.createSecureContext(ca === undefined ? {} : { ca })
    contexts.set(key, context)
  }
  return context
}

export function prepareTls (config: TlsConfig): TlsSetup {
  let context: tls.SecureContext | undefined
  const setup = {
    get secureContext () { context ??= sharedContext(config.ca); return context },
    rejectUnauthorized: !config.insecureSkipVerify,
  }
  return config.serverName === undefined ? setup : Object.assign(setup, { serverName: config.serverName })
}

/** Starts TLS on a connected socket and resolves once the handshake completes. */
export function startTls (socket: import('node:net').Socket, host: string, setup: TlsSetup, signal: AbortSignal): Promise<tls.TLSSocket> {
  const name = setup.serverName ?? host
  const secure = tls.connect({
    socket,
    host: name, // used by checkServerIdentity
    // SNI must be a host name, never an IP literal (RFC 6066 §3).
    ...(isIP(name) === 0 && { servername: name }),
    secureContext: setup.secureContext,
    rejectUnauthorized: setup.rejectUnauthorized,
    ALPNProtocols: ['http/1.1'],
  })
  return new Promise((resolve, reject) => {
    const onAbort = (): void => { secure.destroy(); reject(signal.reason) }
    secure.once('secureConnect', () => { signal.removeEventListener('abort', onAbort); resolve(secure) })
    secure.once('error', (err) => { signal.removeEventListener('abort', onAbort); reject(err) })
    // A peer that closes before the handshake ends is reported by 'error' (ECONNRESET); 'close'
    // without 'error' does not happen for TLS, but the signal covers a silent peer.
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
