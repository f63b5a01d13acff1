/**
 * Builds the YAML-shaped config from the reference deployment's environment variables
 * (`.env.production`), so `npm start` works next to the sidecar without a config file.
 */
import { DEFAULT_EGRESS_IP_URL, KNOWN_TARGETS, targetForDomain } from './embedded.js'

/** Environment variables read in no-config mode, in the order documented. */
export const ENV_VARS = [
  'SOCKS5_PROXY', 'HTTP_PROXY', 'HTTPS_PROXY', 'USE_VLESS_PROXY', 'PROXY_REQUIRED_DOMAINS',
  'EGRESS_IP_URL', 'PROBE_INTERVAL', 'PROBE_TIMEOUT', 'LISTEN_ADDRESS', 'XRAY_API_ADDRESS',
] as const

export function rawConfigFromEnv (env: NodeJS.ProcessEnv): { raw: Record<string, unknown>, source: string } {
  const set = ENV_VARS.filter((k) => nonEmpty(env[k]) !== undefined)
  const useProxy = env.USE_VLESS_PROXY?.trim().toLowerCase() !== 'false'
  const proxies: Record<string, string> = {}
  const socks = nonEmpty(env.SOCKS5_PROXY)
  const httpVar = nonEmpty(env.HTTP_PROXY) !== undefined ? 'HTTP_PROXY' : 'HTTPS_PROXY'
  const http = nonEmpty(env[httpVar])
  // Which variable became which path, for the start-up log: a corporate HTTP_PROXY in the
  // environment becomes a probed path, and the log says so.
  const used: string[] = []
  if (useProxy && socks !== undefined) { proxies.socks = socks; used.push('SOCKS5_PROXY → path socks') }
  if (useProxy && http !== undefined) { proxies.http = http; used.push(`${httpVar} → path http`) }
  const domains = (nonEmpty(env.PROXY_REQUIRED_DOMAINS) ?? Object.keys(KNOWN_TARGETS).join(','))
    .split(',').map((d) => d.trim()).filter((d) => d !== '')
  const raw: Record<string, unknown> = {
    defaults: { interval: nonEmpty(env.PROBE_INTERVAL) ?? '15s', timeout: nonEmpty(env.PROBE_TIMEOUT) ?? '10s' },
    proxies,
    egress_ip: { url: nonEmpty(env.EGRESS_IP_URL) ?? DEFAULT_EGRESS_IP_URL },
    // These domains need the tunnel: their paths are listed proxies first, which route advice and
    // the PAC file take as the preference (direct stays a probed path and the last resort).
    targets: [...new Set(domains)].map(targetForDomain).map((t) => Object.keys(proxies).length === 0 ? t : { ...t, via: [...Object.keys(proxies), 'direct'] }),
  }
  const xray = nonEmpty(env.XRAY_API_ADDRESS)
  if (xray !== undefined) raw.xray = { api: xray }
  const listen = nonEmpty(env.LISTEN_ADDRESS)
  if (listen !== undefined) raw.listen = listen
  if (!useProxy) used.push('USE_VLESS_PROXY=false → no proxy paths')
  const others = set.filter((k) => !['SOCKS5_PROXY', 'HTTP_PROXY', 'HTTPS_PROXY', 'USE_VLESS_PROXY'].includes(k))
  return { raw, source: set.length > 0 ? `environment (${[...used, ...others].join(', ')})` : 'embedded default' }
}

function nonEmpty (v: string | undefined): string | undefined {
  const t = v?.trim()
  return t === undefined || t === '' ? undefined : t
}
