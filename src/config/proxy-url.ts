import type { ProxyConfig } from './types.js'
import { isProxyScheme, PROXY_SCHEMES, PROXY_TRANSPORTS } from '../transport/transports.js'
import { unbracket } from '../net/ip.js'

/**
 * Replaces the username and password in a proxy URL so it can be logged or shown: a paid
 * proxy's token often is the username.
 */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.username !== '') u.username = 'xxxxx'
    if (u.password !== '') u.password = 'xxxxx'
    // Query values may be secrets (a VLESS link's pbk and sid): keys only.
    for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, 'xxxxx')
    return u.toString().replace(/\/$/, '')
  } catch {
    return '<unparsable URL>'
  }
}

/**
 * Parses proxy URLs of the schemes in transport/transports.ts with optional
 * `user:pass@`. Returns an error string (never containing the password) when invalid.
 */
export function parseProxyUrl (name: string, url: string, resolve: 'remote' | 'local' = 'remote'): ProxyConfig | string {
  let u: URL
  try { u = new URL(url) } catch { return `bad proxy URL "${redactUrl(url)}"` }
  const protocol = u.protocol.replace(/:$/, '')
  if (!isProxyScheme(protocol)) {
    return `unsupported proxy scheme "${protocol.slice(0, 16)}" (use ${PROXY_SCHEMES.join(', ')})`
  }
  if (u.hostname === '') return 'proxy URL has no host'
  const transport = PROXY_TRANSPORTS[protocol]
  // A transport with settings of its own reads its URL itself (vless:// options, its secrets).
  const settings = transport.settings?.(url)
  if (typeof settings === 'string') return settings
  if (settings === undefined && ((u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '')) {
    return `proxy URL "${redactUrl(url)}" must not have a path, query or fragment`
  }
  const proxy: ProxyConfig = {
    name,
    protocol,
    host: unbracket(u.hostname),
    port: u.port === '' ? transport.defaultPort : Number(u.port),
    resolve,
    redactedUrl: redactUrl(url),
  }
  if (settings !== undefined) {
    proxy.settings = settings
    return proxy
  }
  if (u.username !== '') proxy.username = userinfo(u.username)
  if (u.password !== '') proxy.password = userinfo(u.password)
  if (resolve === 'local' && !transport.localResolve) return `resolve: local needs a proxy that accepts addresses (${localResolveSchemes().join(', ')})`
  return transport.check?.(proxy) ?? proxy
}

function localResolveSchemes (): string[] {
  return PROXY_SCHEMES.filter((s) => PROXY_TRANSPORTS[s].localResolve)
}

/**
 * A user name or password from a URL: percent-decoded where the escapes are valid (`p%40ss` is
 * `p@ss`, as curl and Go read it), taken as written otherwise (`50%off` stays `50%off`: real
 * passwords contain bare percent signs, and refusing them helped nobody).
 */
function userinfo (text: string): string {
  try { return decodeURIComponent(text) } catch { return text }
}
