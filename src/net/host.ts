/**
 * One spelling per host, for matching a host a client asks about against the configured
 * targets' hosts: lower case, no trailing dot (`api.openai.com.` is `api.openai.com`, which a
 * proxy-required host must never escape by), IDNA names in their ASCII (punycode) form, IPv4 in
 * dotted decimal (`127.1`, `0x7f.0.0.1` → `127.0.0.1`), IPv6 compressed without brackets. The
 * WHATWG URL parser does the work, as it did for the config's own URLs.
 */
import { canonicalIp, unbracket } from './ip.js'

/** The canonical host, or undefined when it is not a host name or IP literal. */
export function canonicalHost (input: string): string | undefined {
  if (input.length === 0 || input.length > 255 || /[\s/?#@\\]/.test(input)) return undefined
  const bare = unbracket(input)
  let hostname: string
  try { hostname = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname } catch { return undefined }
  const host = unbracket(hostname).replace(/\.$/, '')
  if (host === '' || host.length > 253) return undefined
  return canonicalIp(host) ?? host
}
