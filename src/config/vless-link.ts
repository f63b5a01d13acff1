/**
 * VLESS share links (`vless://UUID@host:port?security=…&sni=…&type=…#name`), as Xray clients and
 * subscription services write them, parsed strictly: security none, tls or reality; type tcp or
 * ws; anything else is refused in one line naming what is unsupported. The id, and REALITY's
 * public key (`pbk`) and short id (`sid`), are secrets: only `redacted` and `describe()` may be
 * shown, and neither carries them.
 */
import { isIP } from 'node:net'
import { unbracket } from '../net/ip.js'

export type VlessSecurity = 'none' | 'tls' | 'reality'
export type VlessNetwork = 'tcp' | 'ws'

/** A parsed `vless://` share link: server, id (a secret), transport, security and their parameters. */
export interface VlessLink {
  /** The user id (a UUID): a secret. */
  id: Buffer
  host: string
  port: number
  security: VlessSecurity
  network: VlessNetwork
  /** TLS/REALITY server name (`sni`; the host when absent). */
  sni: string
  /** WebSocket path and Host header (`path`, `host`). */
  path: string
  wsHost?: string
  /** `flow` (xtls-rprx-vision), REALITY's `pbk`, `sid`, `fp`: kept for the hop probes' description, never shown. */
  flow?: string
  reality?: { publicKey: string, shortId: string, fingerprint: string }
  /** The fragment: the server's name in subscriptions (label-safe, bounded). */
  label: string
  /** `allowInsecure=1`: do not verify the server's certificate (security=tls). */
  insecure: boolean
  /** The link without id, pbk and sid: safe for logs, pages and errors. */
  redacted: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Query keys this parser understands; any other is refused, so nothing is silently ignored. */
const KNOWN = new Set(['security', 'sni', 'type', 'path', 'host', 'flow', 'pbk', 'sid', 'fp', 'encryption', 'headerType', 'spx', 'alpn', 'allowInsecure'])
const SECRET = new Set(['pbk', 'sid'])

/** Parses a share link; returns a one-line problem (never containing a secret) when it is not one we can use. */
export function parseVlessLink (text: string): VlessLink | string {
  if (!text.startsWith('vless://')) return 'not a vless:// link'
  let u: URL
  try { u = new URL(text) } catch { return 'not a valid vless:// link' }
  const q = u.searchParams
  const unknown = [...q.keys()].filter((k) => !KNOWN.has(k))
  if (unknown.length > 0) return `unsupported vless:// option ${unknown.slice(0, 3).map((k) => `"${k.slice(0, 32)}"`).join(', ')}`
  const id = decodeURIComponent(u.username)
  if (!UUID.test(id)) return 'the id of a vless:// link must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)'
  if (u.password !== '') return 'a vless:// link has an id, not a user and password'
  const host = unbracket(u.hostname)
  if (host === '' || u.port === '') return 'a vless:// link needs host:port'
  const security = q.get('security') ?? 'none'
  if (security !== 'none' && security !== 'tls' && security !== 'reality') return `unsupported vless:// security "${security.slice(0, 32)}" (use none, tls or reality)`
  const network = q.get('type') ?? 'tcp'
  if (network !== 'tcp' && network !== 'ws') return `unsupported vless:// transport type "${network.slice(0, 32)}" (use tcp or ws)`
  const encryption = q.get('encryption') ?? 'none'
  if (encryption !== 'none') return `unsupported vless:// encryption "${encryption.slice(0, 32)}" (only none)`
  const flow = q.get('flow') ?? undefined
  if (flow !== undefined && flow !== '' && flow !== 'xtls-rprx-vision') return `unsupported vless:// flow "${flow.slice(0, 32)}"`
  if (security === 'reality' && (q.get('pbk') ?? '') === '') return 'a REALITY link needs pbk (the server\'s public key)'
  const sni = q.get('sni') ?? (isIP(host) === 0 ? host : '')
  const link: VlessLink = {
    id: Buffer.from(id.replace(/-/g, ''), 'hex'),
    host,
    port: Number(u.port),
    security,
    network,
    sni,
    path: q.get('path') ?? '/',
    label: decodeURIComponent(u.hash.slice(1)).replace(/[^\x20-\x7e]/g, '?').slice(0, 64),
    insecure: q.get('allowInsecure') === '1' || q.get('allowInsecure') === 'true',
    redacted: redactVless(u),
  }
  const wsHost = q.get('host')
  if (wsHost !== null && wsHost !== '') link.wsHost = wsHost
  if (flow !== undefined && flow !== '') link.flow = flow
  if (security === 'reality') link.reality = { publicKey: q.get('pbk')!, shortId: q.get('sid') ?? '', fingerprint: q.get('fp') ?? 'chrome' }
  return link
}

/** The link with the id, pbk and sid replaced by xxxxx. */
export function redactVless (u: URL): string {
  const r = new URL(u.href)
  if (r.username !== '') r.username = 'xxxxx'
  for (const key of [...r.searchParams.keys()]) if (SECRET.has(key)) r.searchParams.set(key, 'xxxxx')
  return r.href
}

/** A short, safe description: `tls+ws to host:443 (sni example.com)`. */
export function describeVless (l: VlessLink): string {
  return `${l.security}+${l.network} to ${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}${l.sni !== '' && l.sni !== l.host ? ` (sni ${l.sni.slice(0, 64)})` : ''}`
}
