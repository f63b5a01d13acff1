import { isIP } from 'node:net'
import tls from 'node:tls'
import type { TlsConfig } from '../config/types.js'
import { guard, type ErrorSink } from './guard.js'

/** TLS options for one target; the SecureContext is built on first use and shared. */
export interface TlsSetup {
  readonly secureContext: tls.SecureContext
  rejectUnauthorized: boolean
  serverName?: string
}

/**
 * One SecureContext per set of trusted CAs, shared by every target that trusts them: building
 * one costs ~0.4 ms CPU, and each holds its own copy of the CA store in native memory (a
 * thousand plain-HTTP targets used to cost ~100 MB of RSS for contexts nobody used). The system
 * CAs' context is built once; a `ca_file`'s is keyed by the Buffer its config read (one per file
 * and config), so it goes with the config: reloads with ever new CA files leave nothing behind.
 */
let systemContext: tls.SecureContext | undefined
const contexts = new WeakMap<Buffer, tls.SecureContext>()

function sharedContext (ca: Buffer | undefined): tls.SecureContext {
  if (ca === undefined) return (systemContext ??= tls.createSecureContext({}))
  let context = contexts.get(ca)
  if (context === undefined) {
    context = tls.createSecureContext({ ca })
    contexts.set(ca, context)
  }
  return context
}

/** The TLS context and options of a target, built once per config. */
export function prepareTls (config: TlsConfig): TlsSetup {
  let context: tls.SecureContext | undefined
  const setup = {
    get secureContext () { context ??= sharedContext(config.ca); return context },
    rejectUnauthorized: !config.insecureSkipVerify,
  }
  return config.serverName === undefined ? setup : Object.assign(setup, { serverName: config.serverName })
}

/** The chain Node showed checkServerIdentity, per socket (absent when verification failed first). */
const peerChains = new WeakMap<tls.TLSSocket, tls.DetailedPeerCertificate>()

/** Starts TLS on a connected socket and resolves once the handshake completes. */
export function startTls (socket: import('node:net').Socket, host: string, setup: TlsSetup, signal: AbortSignal, sink: ErrorSink): Promise<tls.TLSSocket> {
  const name = setup.serverName ?? host
  const secure = guard(tls.connect({
    socket,
    host: name, // used by checkServerIdentity
    // SNI must be a host name, never an IP literal (RFC 6066 §3).
    ...(isIP(name) === 0 && { servername: name }),
    secureContext: setup.secureContext,
    rejectUnauthorized: setup.rejectUnauthorized,
    ALPNProtocols: ['http/1.1'],
    // Node converts the peer's chain to objects for this check; keeping them spares tlsFacts a
    // second conversion (~0.2-0.4 ms CPU per https probe).
    checkServerIdentity: (hostname, cert) => {
      peerChains.set(secure, cert as tls.DetailedPeerCertificate)
      return tls.checkServerIdentity(hostname, cert)
    },
  }), sink)
  return new Promise((resolve, reject) => {
    // The signal's reason is the Error it was aborted with (deadline.ts's DeadlineError, or the stop's).
    const onAbort = (): void => { secure.destroy(); reject(signal.reason as Error) }
    secure.once('secureConnect', () => { signal.removeEventListener('abort', onAbort); resolve(secure) })
    secure.once('error', (err: Error) => { signal.removeEventListener('abort', onAbort); reject(err) })
    // A peer that closes before the handshake ends is reported by 'error' (ECONNRESET); 'close'
    // without 'error' does not happen for TLS, but the signal covers a silent peer.
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** What the TLS handshake with the target showed: for certificate expiry and the blackbox families. */
export interface TlsFacts {
  /** e.g. TLSv1.3 */
  version: string
  /** OpenSSL's cipher name, e.g. TLS_AES_256_GCM_SHA384 */
  cipher: string
  /** The earliest notAfter of the chain the server sent (without the trust anchor), in seconds since the epoch. */
  earliestExpiry: number
  /** The earliest notAfter of the chain including the trust anchor it was verified against (blackbox's last chain expiry). */
  chainExpiry: number
  leaf: { subject: string, issuer: string, san: string, serial: string, fingerprint256: string }
}

/** Reads the facts of a finished handshake; free text from the certificate is bounded. */
export function tlsFacts (socket: tls.TLSSocket): TlsFacts | undefined {
  const leaf = peerChains.get(socket) ?? socket.getPeerCertificate(true)
  if (leaf === null || Object.keys(leaf).length === 0) return undefined
  let sent = Infinity
  let chain = Infinity
  const seen = new Set<string>()
  // Node shows the chain the server sent followed by the trust anchor it found in the store: a
  // self-issued certificate after the leaf is that anchor. blackbox's earliest expiry counts only
  // what was sent (Go's PeerCertificates), so the anchor counts for the verified chain alone.
  // Bounded by the fingerprints seen: a chain that loops ends.
  for (let c: tls.DetailedPeerCertificate | undefined = leaf; c !== undefined && !seen.has(c.fingerprint256) && seen.size < 16; c = c.issuerCertificate) {
    seen.add(c.fingerprint256)
    const notAfter = Date.parse(c.valid_to) / 1000
    chain = Math.min(chain, notAfter)
    const anchor = c !== leaf && c.issuerCertificate?.fingerprint256 === c.fingerprint256
    if (!anchor) sent = Math.min(sent, notAfter)
  }
  return {
    version: bounded(socket.getProtocol() ?? 'unknown'),
    cipher: bounded(socket.getCipher()?.name ?? 'unknown'),
    earliestExpiry: Number.isFinite(sent) ? sent : 0,
    chainExpiry: Number.isFinite(chain) ? chain : 0,
    leaf: {
      subject: bounded(dn(leaf.subject)),
      issuer: bounded(dn(leaf.issuer)),
      san: bounded(leaf.subjectaltname ?? ''),
      serial: bounded(leaf.serialNumber?.toLowerCase() ?? ''),
      fingerprint256: bounded(leaf.fingerprint256.replace(/:/g, '').toLowerCase()),
    },
  }
}

/** A distinguished name in blackbox's (Go's) order and form: most specific first, `CN=a,O=b,C=c`. */
function dn (name: tls.Certificate | undefined): string {
  if (name === undefined) return ''
  return Object.entries(name).reverse().map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(',')
}

/** Label text from a certificate: printable ASCII, at most 128 characters. */
export function bounded (text: string, max = 128): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?')
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean
}
