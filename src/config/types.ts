/**
 * The validated, camelCase configuration the rest of the program sees. The bottom layer: it
 * imports no module of probes/ or transport/ but the reasons (a leaf), so every layer can use it.
 */
import type { FailureReason } from '../probes/reasons.js'
import type { Pattern } from './pattern.js'
import type { VlessLink } from './vless-link.js'

/** Which address family a target is probed over: `auto` tries every resolved address (Happy Eyeballs). */
export type IpFamily = 'auto' | 'ipv4' | 'ipv6'

/** A named egress path through a proxy. `direct` is not a proxy and has none. */
export interface ProxyConfig {
  name: string
  /** The URL scheme, a key of transport/transports.ts (validated at load). */
  protocol: string
  host: string
  port: number
  username?: string
  password?: string
  /** Who resolves the target name: the proxy (default, no DNS leak) or this host. */
  resolve: 'remote' | 'local'
  /** The URL with any password replaced by `xxxxx`: safe for logs, labels and pages. */
  redactedUrl: string
  /** TLS with the proxy itself (`https://`, `vless://?security=tls`): trusted CAs, server name, verification. */
  tls?: TlsConfig
  /** The transport's own settings from the URL (transport.ts `settings`); opaque elsewhere. */
  settings?: unknown
  /** The VLESS server behind this proxy (`upstream:`), for the hop probes and the chain verdict. */
  upstream?: VlessLink
}

/** An inclusive range of HTTP status codes. */
export interface StatusRange { min: number, max: number }

/** A rule mapping a status (and optional body pattern) to a failure reason. */
export interface ClassifyRule { status: StatusRange[], bodyRegex?: Pattern, reason: FailureReason }

/** What an HTTP answer must be to count as success: statuses, body patterns, content type, size, redirect hosts. */
export interface ExpectConfig {
  status: StatusRange[]
  bodyRegex?: Pattern
  bodyNotRegex?: Pattern
  contentType?: string
  minBytes?: number
  /** Hosts a redirect may point to without being called a block page. */
  redirectHosts: string[]
}

/** TLS settings: trusted CAs (none = the system's), verification and the server name to send. */
export interface TlsConfig {
  ca?: Buffer
  insecureSkipVerify: boolean
  serverName?: string
}

/** One target: its kind, URL, the vias it is probed through, timing, TLS and the settings its kind built. */
export interface TargetConfig {
  name: string
  /** A registered kind's name (probes/kinds.ts; validated at load). */
  kind: string
  url: URL
  via: string[]
  /** The probe interval; for `schedule:` targets the longest gap between two cron runs. */
  intervalMs: number
  timeoutMs: number
  /** A cron expression (node-cron, optional seconds field); replaces `intervalMs` when set. */
  schedule?: string
  tls: TlsConfig
  ipFamily: IpFamily
  /** What the kind built from its own fields (probes/<kind>.ts); opaque everywhere else. */
  settings: unknown
}

export interface EgressIpConfig {
  /** IPv4/IPv6 addresses or CIDR blocks a proxy's egress IP must fall in; empty = no check. */
  expect: string[]
  /** ISO 3166-1 alpha-2 codes a proxy's egress must be in (from the IP-echo answer); empty = no check. */
  expectCountry: string[]
}

/** The Xray/V2Ray stats API to scrape (gRPC), if any. */
export interface XrayConfig {
  address: string
  flavor: 'auto' | 'xray' | 'v2ray'
  timeoutMs: number
}

/** The whole validated configuration: listen address, defaults, proxies, targets and the optional Xray stats API. */
export interface Config {
  listen: string
  jitterMs: number
  /** While every pair through a proxy fails, one is re-probed this often (0 = never). */
  recheckMs: number
  maxConcurrentProbes: number
  /** Constant labels of every series (`labels:`), e.g. the region of this vantage point. */
  labels: Record<string, string>
  /** One duration histogram per (target, via) instead of one per via (restart to change). */
  perTargetHistogram: boolean
  proxies: Record<string, ProxyConfig>
  targets: TargetConfig[]
  /** Route advice among working paths: the targets' configured via order, or the fastest first. */
  routePrefer: 'order' | 'latency'
  egressIp: EgressIpConfig
  xray?: XrayConfig
  /** Where the config came from: a file path, "environment" or "embedded default". */
  source: string
}

/** The reserved name of the path that uses no proxy. */
export const DIRECT = 'direct'
/** The target name of the `egress_ip:` section's check. */
export const EGRESS_IP_TARGET = 'egress_ip'
