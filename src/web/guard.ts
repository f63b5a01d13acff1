/**
 * What the web config asks of every request, as exporter-toolkit does it: its headers are set,
 * basic auth is required when users are configured (web/verifier.ts), client certificates are
 * held to client_auth_type and client_allowed_sans. The file, and the certificate, key and CA
 * files it names, are looked at on every request and every TLS handshake: re-read only when one's
 * size, modification time or inode changed, so a rotated certificate is served on the next
 * handshake, even after the old one expired.
 * It fails closed: a web config that became invalid or empty, or that drops the users or the
 * TLS the server started with, fails every request with 500 until it is fixed (turning
 * authentication off takes a restart; docs/configuration.md).
 */
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import type { TLSSocket } from 'node:tls'
import type { NextFunction, Request, Response } from 'express'
import type { Logger } from '../log.js'
import { ConfigError } from '../config/errors.js'
import { readBoundedFile } from '../config/read-file.js'
import { loadWebConfig, type WebConfig } from './config.js'
import { Verifier } from './verifier.js'

/** The web config file, re-read when it changes (stat, then content), failing closed while it is invalid. */
export class WebConfigSource {
  private signature: string
  private config: WebConfig
  private error: string | undefined
  private readonly startedWith: { auth: boolean, tls: boolean }

  constructor (readonly file: string, first: WebConfig, private readonly logger: Logger, private readonly onChange: (c: WebConfig) => void) {
    this.config = first
    this.signature = this.stamp()
    this.startedWith = { auth: Object.keys(first.users).length > 0, tls: first.tls !== undefined }
  }

  /** The current config, re-read if a file changed; undefined while it is invalid. */
  current (): WebConfig | undefined {
    this.refresh()
    return this.error === undefined ? this.config : undefined
  }

  /** Re-reads the config when the YAML or a file it names changed (cheap otherwise: a few stat calls). */
  refresh (): void {
    const signature = this.stamp()
    if (signature === this.signature) return
    this.signature = signature
    try {
      const next = loadWebConfig(this.file)
      const weaker = this.weakening(next)
      if (weaker !== undefined) throw new ConfigError([weaker], this.file)
      this.config = next
      this.signature = this.stamp() // the new config may name other files
      this.error = undefined
      this.onChange(next)
      this.logger.info({ file: this.file }, 'web config reloaded')
    } catch (err) {
      this.error = err instanceof ConfigError ? err.problems.join('; ') : String(err)
      this.logger.error({ file: this.file, problems: this.error }, 'web config is invalid: refusing every request until it is fixed')
    }
  }

  /** What a new config would switch off that the server started with (only a restart may). */
  private weakening (next: WebConfig): string | undefined {
    if (this.startedWith.auth && Object.keys(next.users).length === 0) return 'basic_auth_users: the server started with users; removing authentication takes a restart'
    if (this.startedWith.tls !== (next.tls !== undefined)) return `tls_server_config: the server started ${this.startedWith.tls ? 'with' : 'without'} TLS; ${this.startedWith.tls ? 'removing' : 'adding'} it takes a restart`
    return undefined
  }

  /**
   * Size, modification time and inode of the YAML and of every file it names. A file changed in
   * the last 2 s is also hashed (git's "racy" rule): two writes of the same size within the file
   * system's timestamp granularity would otherwise look alike.
   */
  private stamp (): string {
    const now = Date.now()
    return [this.file, ...this.config.files].map((f) => {
      try {
        const s = statSync(f)
        const racy = now - s.mtimeMs < 2000 && s.isFile() && s.size <= 1024 * 1024
        return `${s.ino}:${s.size}:${s.mtimeMs}${racy ? `:${createHash('sha256').update(readBoundedFile(f, 1024 * 1024).data).digest('hex')}` : ''}`
      } catch { return 'missing' }
    }).join('|')
  }
}

/** Middleware in front of every endpoint: the configured headers, the client certificate check, basic auth (401; 429 while too many checks wait), 500 while the web config is invalid. */
export function webGuard (source: WebConfigSource, verifier = new Verifier()) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const config = source.current()
    if (config === undefined) { res.status(500).type('text/plain').send('Internal Server Error\n'); return }
    for (const [k, v] of Object.entries(config.headers)) res.setHeader(k, v)
    if (config.tls !== undefined && !clientCertAccepted(req.socket as TLSSocket, config)) {
      res.status(403).type('text/plain').send('Forbidden: client certificate not accepted\n')
      return
    }
    if (Object.keys(config.users).length === 0) { next(); return }
    const credentials = basicAuth(req.headers.authorization)
    const verdict = credentials === undefined ? 'denied' : await verifier.check(config.users, credentials.user, credentials.pass)
    if (verdict === 'ok') { next(); return }
    if (verdict === 'busy') {
      res.setHeader('Retry-After', '1')
      res.status(429).type('text/plain').send('Too Many Requests: too many password checks waiting\n')
      return
    }
    res.setHeader('WWW-Authenticate', 'Basic')
    res.status(401).type('text/plain').send('Unauthorized\n')
  }
}

function basicAuth (header: string | undefined): { user: string, pass: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(header ?? '')
  if (m === null) return undefined
  const text = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  return colon < 0 ? undefined : { user: text.slice(0, colon), pass: text.slice(colon + 1) }
}

/** client_auth_type and client_allowed_sans, for the connection's certificate. */
function clientCertAccepted (socket: TLSSocket, config: WebConfig): boolean {
  const tls = config.tls!
  if (typeof socket.getPeerCertificate !== 'function') return false
  const cert = socket.getPeerCertificate()
  const given = cert !== null && Object.keys(cert).length > 0
  switch (tls.clientAuth) {
    case 'NoClientCert': case 'RequestClientCert': break
    case 'RequireAnyClientCert': if (!given) return false; break
    case 'VerifyClientCertIfGiven': if (given && !socket.authorized) return false; break
    case 'RequireAndVerifyClientCert': if (!given || !socket.authorized) return false; break
  }
  if (tls.allowedSans.length === 0) return true
  const sans = (cert.subjectaltname ?? '').split(', ').map((s) => s.replace(/^(DNS|IP Address|email|URI):/, ''))
  return sans.some((s) => tls.allowedSans.includes(s))
}
