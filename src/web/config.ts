/**
 * The web configuration file of the Prometheus ecosystem (exporter-toolkit's
 * `--web.config.file`), with its keys and meanings: TLS for the server (and client
 * certificates), bcrypt basic auth, a fixed set of security headers. Every problem is reported
 * at once, each with its YAML path. Files named in it are read and checked here.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { createSecureContext, type SecureVersion } from 'node:tls'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { ConfigError, formatPath } from '../config/errors.js'
import { FileProblem, readBoundedFile } from '../config/read-file.js'

export type ClientAuth = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert'

export interface WebTls {
  cert: Buffer
  key: Buffer
  clientCa?: Buffer
  clientAuth: ClientAuth
  allowedSans: string[]
  minVersion: SecureVersion
  maxVersion: SecureVersion
  /** OpenSSL cipher list, or undefined for Node's defaults. */
  ciphers?: string
  ecdhCurve?: string
  honorCipherOrder: boolean
}

/** A validated `--web.config.file`: TLS, basic-auth users (bcrypt hashes) and response headers. */
export interface WebConfig {
  tls?: WebTls
  /** user → bcrypt hash; empty: no basic auth. */
  users: Record<string, string>
  headers: Record<string, string>
  /** The files it names (certificate, key, client CA), resolved: a change to any is a change of the config. */
  files: string[]
}

/** The highest bcrypt cost accepted: each check at cost 14 takes about a second of a core; 31 would take days. */
export const MAX_BCRYPT_COST = 14

const VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' }
/** Go's names (crypto/tls CipherSuites) → OpenSSL's, for TLS 1.2 and below (Go ignores the list for 1.3). */
const CIPHERS: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
}
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256'
const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' }
/** The headers exporter-toolkit lets a user set, with their allowed values where it fixes them. */
const HEADERS: Record<string, string[] | undefined> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
}
const CLIENT_AUTH = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const
const MAX_BYTES = 1024 * 1024

const schema = z.strictObject({
  tls_server_config: z.strictObject({
    cert: z.string().optional(),
    key: z.string().optional(),
    client_ca: z.string().optional(),
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
    client_auth_type: z.string().optional(),
    client_ca_file: z.string().optional(),
    client_allowed_sans: z.array(z.string()).optional(),
    min_version: z.string().optional(),
    max_version: z.string().optional(),
    cipher_suites: z.array(z.string()).optional(),
    prefer_server_cipher_suites: z.boolean().optional(),
    curve_preferences: z.array(z.string()).optional(),
  }).optional(),
  http_server_config: z.strictObject({
    http2: z.boolean().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }).optional(),
  basic_auth_users: z.record(z.string(), z.string()).nullable().optional(),
})

/** Reads and checks a web config file; throws ConfigError listing every problem. */
export function loadWebConfig (file: string): WebConfig {
  let text: string
  try {
    text = readBoundedFile(file, MAX_BYTES).data.toString('utf8')
  } catch (err) {
    if (!(err instanceof FileProblem)) throw err
    throw new ConfigError([err.message.startsWith('larger') ? `(root): the web config file is ${err.message}` : `web config file: ${err.about(file)}`], file)
  }
  if (text.trim() === '') throw new ConfigError(['(root): the web config file is empty (an empty file is never "no authentication": remove --web.config.file for that)'], file)
  const doc = parseDocument(text, { uniqueKeys: true })
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0] ?? ''}`), file)
  let raw: unknown
  try { raw = doc.toJS({ maxAliasCount: 100 }) ?? {} } catch { throw new ConfigError(['(root): YAML aliases expand too much'], file) }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`), file)
  const problems: string[] = []
  const c = parsed.data
  const users = c.basic_auth_users ?? {}
  for (const [user, hash] of Object.entries(users)) {
    // Only the user name goes into the message: the hash is a secret too.
    const cost = bcryptCost(hash)
    if (cost === undefined) problems.push(`basic_auth_users.${user}: not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d ':\\n')`)
    else if (cost > MAX_BCRYPT_COST) problems.push(`basic_auth_users.${user}: bcrypt cost ${cost} is above ${MAX_BCRYPT_COST} (each login would take ${2 ** (cost - 10) / 16} s or more of a core; use htpasswd -nBC 10)`)
  }
  const headers = c.http_server_config?.headers ?? {}
  for (const [name, value] of Object.entries(headers)) {
    const allowed = HEADERS[name]
    if (!(name in HEADERS)) problems.push(`http_server_config.headers.${name}: this header can not be configured (allowed: ${Object.keys(HEADERS).join(', ')})`)
    else if (allowed !== undefined && !allowed.includes(value)) problems.push(`http_server_config.headers.${name}: must be one of ${allowed.join(', ')}`)
  }
  const config: WebConfig = { users, headers, files: [] }
  const t = c.tls_server_config
  if (t !== undefined) {
    const base = dirname(resolve(file))
    const pem = (inline: string | undefined, path: string | undefined, key: string, fileKey: string): Buffer | undefined => {
      if (inline !== undefined && path !== undefined) { problems.push(`tls_server_config.${key}: give ${key} or ${fileKey}, not both`); return undefined }
      if (inline !== undefined) return Buffer.from(inline)
      if (path === undefined || path === '') return undefined
      const resolved = isAbsolute(path) ? path : join(base, path)
      config.files.push(resolved)
      try { return readBoundedFile(resolved, MAX_BYTES).data } catch (err) {
        if (!(err instanceof FileProblem)) throw err
        problems.push(`tls_server_config.${fileKey}: ${err.about(path)}`)
        return undefined
      }
    }
    const cert = pem(t.cert, t.cert_file, 'cert', 'cert_file')
    const key = pem(t.key, t.key_file, 'key', 'key_file')
    const clientCa = pem(t.client_ca, t.client_ca_file, 'client_ca', 'client_ca_file')
    if (cert === undefined && t.cert === undefined && t.cert_file === undefined) problems.push('tls_server_config.cert_file: missing (TLS needs cert_file and key_file)')
    if (key === undefined && t.key === undefined && t.key_file === undefined) problems.push('tls_server_config.key_file: missing (TLS needs cert_file and key_file)')
    // Enumerations are checked here, not by the schema, so one run names every problem.
    const oneOf = (key: string, value: string | undefined, allowed: readonly string[]): void => {
      if (value !== undefined && !allowed.includes(value)) problems.push(`tls_server_config.${key}: "${value.slice(0, 64)}" is not one of ${allowed.join(', ')}`)
    }
    oneOf('client_auth_type', t.client_auth_type, CLIENT_AUTH)
    oneOf('min_version', t.min_version, Object.keys(VERSIONS))
    oneOf('max_version', t.max_version, Object.keys(VERSIONS))
    t.cipher_suites?.forEach((c, i) => { oneOf(`cipher_suites[${i}]`, c, Object.keys(CIPHERS)) })
    t.curve_preferences?.forEach((c, i) => { oneOf(`curve_preferences[${i}]`, c, Object.keys(CURVES)) })
    const clientAuth = (CLIENT_AUTH as readonly string[]).includes(t.client_auth_type ?? '') ? t.client_auth_type as ClientAuth : 'NoClientCert'
    const verifies = clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert'
    if (verifies && clientCa === undefined) problems.push(`tls_server_config.client_ca_file: required with client_auth_type ${clientAuth}`)
    if (t.client_allowed_sans !== undefined && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
      problems.push('tls_server_config.client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert')
    }
    const minVersion = VERSIONS[t.min_version ?? 'TLS12'] ?? 'TLSv1.2'
    const maxVersion = VERSIONS[t.max_version ?? 'TLS13'] ?? 'TLSv1.3'
    if (minVersion > maxVersion) problems.push('tls_server_config.min_version: is above max_version')
    if (cert !== undefined && key !== undefined) {
      const tls: WebTls = {
        cert,
        key,
        clientAuth,
        minVersion,
        maxVersion,
        allowedSans: t.client_allowed_sans ?? [],
        honorCipherOrder: t.prefer_server_cipher_suites ?? true,
      }
      if (clientCa !== undefined) tls.clientCa = clientCa
      if (t.cipher_suites !== undefined) tls.ciphers = [TLS13_SUITES, ...t.cipher_suites.flatMap((s) => CIPHERS[s] ?? [])].join(':')
      if (t.curve_preferences !== undefined) tls.ecdhCurve = t.curve_preferences.flatMap((x) => CURVES[x] ?? []).join(':')
      try { createSecureContext(secureContextOptions(tls)) } catch (err) {
        // OpenSSL's words name the file's trouble (a bad PEM, a key that does not match).
        problems.push(`tls_server_config: the certificate, key or client CA is not usable: ${(err as Error).message.split('\n')[0] ?? ''}`)
      }
      config.tls = tls
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, file)
  return config
}

/** The options of a SecureContext for the server's TLS settings. */
export function secureContextOptions (t: WebTls): import('node:tls').SecureContextOptions {
  return {
    cert: t.cert,
    key: t.key,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    honorCipherOrder: t.honorCipherOrder,
    ...(t.clientCa !== undefined && { ca: t.clientCa }),
    ...(t.ciphers !== undefined && { ciphers: t.ciphers }),
    ...(t.ecdhCurve !== undefined && { ecdhCurve: t.ecdhCurve }),
  }
}

/** The cost of a bcrypt hash (`$2y$10$...`), or undefined when it is not one. */
function bcryptCost (hash: string): number | undefined {
  const m = /^\$2[abxy]?\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(hash)
  const cost = Number(m?.[1])
  return m === null || cost < 4 || cost > 31 ? undefined : cost
}
