/**
 * The fault matrix, as one table (after toxiproxy's toxics and Envoy's fault filter): every
 * transport × every probe kind × every step of the exchange × every fault. `expectedReason` is
 * the contract: what a user must see for each combination. test/helpers/fault-server.ts plays a
 * case; test/transport/fault-matrix.test.ts runs them all. A new transport or kind adds rows here
 * (its steps), not a test file.
 */
import { testCerts } from './certs.js'

export const FAULTS = ['reset', 'close', 'silence', 'garbage'] as const
/** A fault, or `none`: the whole conversation played right (the server's own sanity check). */
export type Fault = typeof FAULTS[number] | 'none'

export type TransportName = 'direct' | 'socks5' | 'http' | 'https' | 'vless'
export type KindName = 'http' | 'https' | 'tcp' | 'tls' | 'download' | 'egress_ip'

/**
 * Where a fault strikes, in the order of the conversation. Each step is a point where the server
 * has just received what the client sends at that point (nothing, for `connect` and the answer's
 * later parts) and would now reply.
 */
export type Step =
  | 'connect' // before the first byte: right after the TCP handshake
  | 'greeting' // SOCKS5: the client's greeting arrived; the method choice is due
  | 'proxy_tls' // https proxy: the client's TLS hello arrived (mid-TLS with the proxy)
  | 'request' // the tunnel request arrived (SOCKS5 after the method choice, CONNECT); the grant is due
  | 'target_tls' // after the grant: the target's TLS hello arrived (mid-TLS with the target)
  | 'answer' // after the grant: the request (HTTP, or tcp's `send:`) arrived; nothing of the answer sent yet
  | 'headers' // part of the response header sent
  | 'body' // the header and part of the body sent
  | 'banner' // part of the tcp banner line sent

export const PROXY_STEPS: Record<TransportName, Step[]> = {
  direct: ['connect'],
  socks5: ['connect', 'greeting', 'request'],
  http: ['connect', 'request'],
  https: ['connect', 'proxy_tls', 'request'],
  // VLESS has no grant to wait for: the request header goes out with the connection and the
  // server's response header comes with its first bytes (transport/vless-stream.ts).
  vless: ['connect', 'request'],
}

export const TARGET_STEPS: Record<KindName, Step[]> = {
  http: ['answer', 'headers', 'body'],
  https: ['target_tls', 'answer', 'headers', 'body'],
  tcp: ['answer', 'banner'],
  tls: ['target_tls', 'answer', 'banner'],
  download: ['answer', 'headers', 'body'],
  egress_ip: ['answer', 'headers', 'body'],
}

export const TRANSPORTS = Object.keys(PROXY_STEPS) as TransportName[]
export const KINDS = Object.keys(TARGET_STEPS) as KindName[]

export interface FaultCase { transport: TransportName, kind: KindName, step: Step, fault: Fault }

export const isSecure = (kind: KindName): boolean => kind === 'https' || kind === 'tls'
export const isHttp = (kind: KindName): boolean => kind !== 'tcp' && kind !== 'tls'

/** Every case: each step of each transport and kind under each fault, and one clean run of each pair. */
export function faultCases (): FaultCase[] {
  const cases: FaultCase[] = []
  for (const transport of TRANSPORTS) {
    for (const kind of KINDS) {
      // The direct path's `connect` is the target's first step; proxies' steps come before the target's.
      const steps = [...PROXY_STEPS[transport], ...TARGET_STEPS[kind]]
      cases.push({ transport, kind, step: steps.at(-1)!, fault: 'none' })
      for (const step of steps) for (const fault of FAULTS) cases.push({ transport, kind, step, fault })
    }
  }
  return cases
}

/** The reason a user must see for a case ('success' for a clean run). */
export function expectedReason (c: FaultCase): string {
  if (c.fault === 'none') return 'success'
  const proxied = c.transport !== 'direct'
  const cut = c.fault === 'reset' || c.fault === 'close'
  // VLESS: nothing to wait for before the target's answer, so a cut is a tunnel that carried
  // nothing, silence a timeout, and bytes that are not VLESS the proxy's.
  if (c.transport === 'vless' && PROXY_STEPS.vless.includes(c.step)) return c.fault === 'garbage' ? 'proxy_rejected' : c.fault === 'silence' ? 'timeout' : 'tunnel_broken'
  // The proxy's handshake: whatever goes wrong is the proxy's (silence: its timeout).
  if (proxied && PROXY_STEPS[c.transport].includes(c.step)) return c.fault === 'silence' ? 'proxy_timeout' : 'proxy_rejected'
  if (c.fault === 'silence' && c.step !== 'banner') return 'timeout'
  switch (c.step) {
    // Direct, before the first byte: a TLS client is mid-handshake at once.
    case 'connect':
      if (isSecure(c.kind)) return 'tls'
      return cut ? 'reset' : isHttp(c.kind) ? 'invalid_response' : 'body_mismatch'
    case 'target_tls': return cut && proxied ? 'tunnel_broken' : 'tls'
    // Nothing came back: through a granted tunnel, the tunnel carried nothing.
    case 'answer':
      if (cut) return proxied ? 'tunnel_broken' : 'reset'
      return isHttp(c.kind) ? 'invalid_response' : 'body_mismatch'
    // Part of the answer came back: the connection was cut (on any path), or the answer is bad.
    case 'headers':
    case 'body': return cut ? 'reset' : 'invalid_response'
    // A partial line: a reset cuts it; a close, silence or garbage leave no matching line.
    case 'banner': return c.fault === 'reset' ? 'reset' : 'body_mismatch'
    default: throw new Error(`no expectation for ${c.step}`)
  }
}

/** The config of one case: the target (and proxy) pointing at the fault server on `port`. */
export function caseConfig (c: FaultCase, port: number, timeout = '2s'): string {
  const ca = testCerts().caFile
  const targetPort = c.transport === 'direct' ? port : 9
  const tls = isSecure(c.kind) ? `, tls: { ca_file: "${ca}" }` : ''
  const banner = ', send: "HELLO\\r\\n", expect: { banner: "^SSH-2\\\\.0-test" }'
  const target = {
    http: `url: "http://target.test:${targetPort}/"`,
    https: `url: "https://target.test:${targetPort}/"${tls}`,
    tcp: `kind: tcp, url: "tcp://target.test:${targetPort}"${banner}`,
    tls: `kind: tcp, url: "tls://target.test:${targetPort}"${banner}${tls}`,
    download: `kind: download, url: "http://target.test:${targetPort}/"`,
    egress_ip: `kind: egress_ip, url: "http://target.test:${targetPort}/"`,
  }[c.kind]
  const proxy = {
    direct: '',
    socks5: `proxies: { p: "socks5h://127.0.0.1:${port}" }`,
    http: `proxies: { p: "http://127.0.0.1:${port}" }`,
    https: `proxies: { p: { url: "https://127.0.0.1:${port}", tls: { ca_file: "${ca}" } } }`,
    vless: `proxies: { p: "vless://b831381d-6324-4d53-ad4f-8cda48b30811@127.0.0.1:${port}?type=tcp" }`,
  }[c.transport]
  const via = c.transport === 'direct' ? 'direct' : 'p'
  return `${proxy}\ntargets: [{ name: t, ${target}, via: [${via}], timeout: ${timeout}, interval: 30s }]\n`
}

export const caseName = (c: FaultCase): string => `${c.transport} ${c.kind} ${c.fault === 'none' ? 'clean run' : `${c.fault} at ${c.step}`}`
