/**
 * Proxy URL schemes and the transport that speaks each; adding a transport is its own file and
 * one line here (config validation, default ports and dialing read this map).
 */
import { httpProxy, httpsProxy } from './http-connect.js'
import { socks5 } from './socks5.js'
import type { Transport } from './transport.js'
import { vless } from './vless.js'

/** The transports, by proxy URL scheme: adding one is its file and a line here. */
export const PROXY_TRANSPORTS = {
  http: httpProxy,
  https: httpsProxy,
  socks5,
  socks5h: socks5,
  vless,
} satisfies Record<string, Transport>

export type ProxyProtocol = keyof typeof PROXY_TRANSPORTS

/** Every proxy URL scheme there is a transport for. */
export const PROXY_SCHEMES = Object.keys(PROXY_TRANSPORTS) as ProxyProtocol[]

/** The transport of a proxy's protocol (config validated it; an unknown one is a bug). */
export function transportOf (protocol: string): Transport {
  if (!isProxyScheme(protocol)) throw new Error(`no transport for "${protocol}"`)
  return PROXY_TRANSPORTS[protocol]
}

/** Whether a URL scheme has a transport. */
export function isProxyScheme (scheme: string): scheme is ProxyProtocol {
  return Object.hasOwn(PROXY_TRANSPORTS, scheme)
}
