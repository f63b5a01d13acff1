/**
 * What a transport is: how to turn a TCP connection to the first hop into a byte stream to the
 * target through a proxy. One file per transport (http-connect.ts, socks5.ts); transports.ts maps
 * proxy URL schemes to them. A transport raises `DialError` (dial-error.ts) with a reason from
 * the closed set where something goes wrong; nothing downstream reads error text.
 */
import type { Socket } from 'node:net'
import type { ProxyConfig } from '../config/types.js'
import type { ErrorSink } from './guard.js'

export interface TunnelRequest {
  proxy: ProxyConfig
  /** The target as the proxy must reach it: a name, or an address when resolved here. */
  host: string
  port: number
  signal: AbortSignal
  /** Every socket the transport opens is guarded into this (transport/guard.ts). */
  sink: ErrorSink
}

/** The tunnel's socket, and any bytes that came with the grant (before the target spoke). */
export interface Tunnel { socket: Socket, early: Buffer }

export interface Transport {
  /** The first hop's port when the proxy URL names none. */
  defaultPort: number
  /** Whether `resolve: local` means anything (the proxy accepts an address instead of a name). */
  localResolve: boolean
  /** Whether the proxy's `tls:` settings apply (TLS with the proxy itself). */
  acceptsTls: boolean
  /**
   * The PAC token of a path through this proxy (`PROXY h:p`, `SOCKS5 h:p`), or undefined when an
   * HTTP client cannot use it (it is then never advertised in /proxy.pac).
   */
  pac: (hostPort: string) => string | undefined
  /**
   * The transport's own settings from the proxy URL (query options: security, sni, type, path),
   * or a one-line problem naming what is unsupported; kept on `ProxyConfig.settings`, read only
   * by the transport. Without it, a proxy URL has no query.
   */
  settings?: (url: string) => unknown
  /** A problem with a proxy's settings this transport cannot carry, for config validation. */
  check?: (proxy: ProxyConfig) => string | undefined
  /** Runs the proxy's handshake on a connected socket. */
  open: (socket: Socket, req: TunnelRequest) => Promise<Tunnel>
}
