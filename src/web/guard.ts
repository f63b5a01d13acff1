/**
 * What the web config asks of every request, as exporter-toolkit does it: the file is read on
 * each request (parsed again only when its content changed), its headers are set, basic auth is
 * required when users are configured, client certificates are held to client_auth_type and
 * client_allowed_sans. A web config that became invalid fails every request with 500 until it
 * is fixed (closed, not open). bcrypt comparisons run one at a time and their outcomes are
 * cached (keyed by a hash, never the password), as in exporter-toolkit.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { TLSSocket } from 'node:tls'
import bcrypt from 'bcryptjs'
import type { NextFunction, Request, Response } from 'express'
import type { Logger } from '../log.js'
import { ConfigError } from '../config/errors.js'
import { loadWebConfig, type WebConfig } from './config.js'

/** bcrypt of "fakepassword": unknown users cost as much as known ones (no user enumeration by timing). */
const FAKE_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi'
const CACHE_SIZE = 100

export class WebConfigSource {
  private signature = ''
  private config: WebConfig | undefined
  private error: string | undefined

  constructor (readonly file: string, first: WebConfig, private readonly logger: Logger, private readonly onChange: (c: WebConfig) => void) {
    this.signature = this.read()
    this.config = first
  }

  /** The current config, re-read if the file changed; undefined while the file is invalid. */
  current (): WebConfig | undefined {
    const signature = this.read()
    if (signature === this.signature) return this.error === undefined ? this.config : undefined
    this.signature = signature
    try {
      this.config = loadWebConfig(this.file)
      this.error = undefined
      this.onChange(this.config)
      this.logger.info({ file: this.file }, 'web config reloaded')
    } catch (err) {
      this.error = err instanceof ConfigError ? err.problems.join('; ') : String(err)
      this.logger.error({ file: this.file, problems: this.error }, 'web config is invalid: refusing every request until it is fixed')
    }
    return this.error === undefined ? this.config : undefined
  }

  /** The file's content as a fingerprint (a small file; as exporter-toolkit, read on every request). */
  private read (): string {
    try { return createHash('sha256').update(readFileSync(this.file)).digest('hex') } catch { return 'missing' }
  }
}

export function webGuard (source: WebConfigSource) {
  const cache = new Map<string, boolean>()
  let queue: Promise<unknown> = Promise.resolve()
  const compare = (pass: string, hash: string): Promise<boolean> => {
    const run = queue.then(() => bcrypt.compare(pass, hash))
    queue = run.catch(() => {})
    return run.catch(() => false)
  }
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
    if (credentials !== undefined) {
      const known = config.users[credentials.user]
      const hash = known ?? FAKE_HASH
      const key = createHash('sha256').update(`${credentials.user}\u0000${hash}\u0000${credentials.pass}`).digest('hex')
      let ok = cache.get(key)
      if (ok === undefined) {
        ok = known !== undefined && await compare(credentials.pass, hash)
        if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
        cache.set(key, ok)
      }
      if (ok) { next(); return }
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
