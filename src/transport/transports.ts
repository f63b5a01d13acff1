/**
 * Proxy URL schemes and the transport that speaks each; adding a transport is its own file and
 * one line here (config validation, default ports and dialing read this map).
 */
import { httpProxy, httpsProxy } from './http-connect.js'
import { socks5 } from './socks5.js'
import type { Transport } from './transport.js'
import { vless } from './vless.js'

export const PROXY_TRANSPORTS = {
  http: httpProxy,
  https: httpsProxy,
  socks5,
  socks5h: socks5,
  vless,
} satisfies Record<string, Transport>

export type ProxyProtocol = keyof typeof PROXY_TRANSPORTS

export const PROXY_SCHEMES = Object.keys(PROXY_TRANSPORTS) as ProxyProtocol[]

export function isProxyScheme (scheme: string): scheme is ProxyProtocol {
  return Object.hasOwn(PROXY_TRANSPORTS, scheme)
}
