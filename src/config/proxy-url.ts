import type { ProxyConfig, ProxyProtocol } from './types.js'
import { unbracket } from '../net/ip.js'

const DEFAULT_PORTS: Record<ProxyProtocol, number> = { http: 80, https: 443, socks5: 1080, socks5h: 1080 }

/**
 * Replaces the username and password in a proxy URL so it can be logged or shown: a paid
 * proxy's token often is the username.
 */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.username !== '') u.username = 'xxxxx'
    if (u.password !== '') u.password = 'xxxxx'
    return u.toString().replace(/\/$/, '')
  } catch {
    return '<unparsable URL>'
  }
}

/**
 * Parses `http://`, `https://`, `socks5://` or `socks5h://` proxy URLs with optional
 * `user:pass@`. Returns an error string (never containing the password) when invalid.
 */
export function parseProxyUrl (name: string, url: string, resolve: 'remote' | 'local' = 'remote'): ProxyConfig | string {
  let u: URL
  try { u = new URL(url) } catch { return `bad proxy URL "${redactUrl(url)}"` }
  const protocol = u.protocol.replace(/:$/, '')
  if (!(protocol in DEFAULT_PORTS)) {
    return `unsupported proxy scheme "${protocol.slice(0, 16)}" (use http, https, socks5 or socks5h)`
  }
  if (u.hostname === '') return 'proxy URL has no host'
  if ((u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '') {
    return `proxy URL "${redactUrl(url)}" must not have a path, query or fragment`
  }
  const p = protocol as ProxyProtocol
  const proxy: ProxyConfig = {
    name,
    protocol: p,
    host: unbracket(u.hostname),
    port: u.port === '' ? DEFAULT_PORTS[p] : Number(u.port),
    resolve,
    redactedUrl: redactUrl(url),
  }
  if (u.username !== '') proxy.username = decodeURIComponent(u.username)
  if (u.password !== '') proxy.password = decodeURIComponent(u.password)
  // RFC 1929 carries each in one length byte.
  if ((p === 'socks5' || p === 'socks5h') && (Buffer.byteLength(proxy.username ?? '') > 255 || Buffer.byteLength(proxy.password ?? '') > 255)) {
    return 'SOCKS5 usernames and passwords are at most 255 bytes'
  }
  return proxy
}
