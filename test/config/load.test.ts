import type { HttpSettings } from '../../src/probes/http.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/errors.js'
import { loadConfigFile, loadConfigFromEnv } from '../../src/config/load.js'
import { parseDuration } from '../../src/config/duration.js'
import { testCerts } from '../helpers/certs.js'

describe('the environment of the reference deployment', () => {
  it('with nothing set, probes the embedded targets and the egress IP, direct only', () => {
    const c = loadConfigFromEnv({})
    expect(c.source).toBe('embedded default')
    expect(c.proxies).toEqual({})
    expect(c.targets.map((t) => [t.name, t.url.hostname, t.via])).toEqual([
      ['egress_ip', 'checkip.amazonaws.com', ['direct']],
      ['pollinations', 'pollinations.ai', ['direct']],
      ['openai', 'api.openai.com', ['direct']],
      ['pollinations_image', 'image.pollinations.ai', ['direct']],
    ])
    expect(c.listen).toBe('127.0.0.1:9550')
  })

  it('maps SOCKS5_PROXY, HTTP_PROXY, PROXY_REQUIRED_DOMAINS and the probe settings', () => {
    const c = loadConfigFromEnv({
      SOCKS5_PROXY: 'socks5://vless-proxy:1080',
      HTTP_PROXY: 'http://vless-proxy:8123',
      HTTPS_PROXY: 'http://other:8123',
      PROXY_REQUIRED_DOMAINS: 'api.openai.com, example.test',
      EGRESS_IP_URL: 'http://127.0.0.1:1/ip',
      PROBE_INTERVAL: '15s',
      PROBE_TIMEOUT: '5s',
      LISTEN_ADDRESS: '0.0.0.0:9550',
    })
    expect(Object.values(c.proxies).map((p) => [p.name, p.protocol, p.host, p.port])).toEqual([
      ['socks', 'socks5', 'vless-proxy', 1080], ['http', 'http', 'vless-proxy', 8123],
    ])
    expect(c.targets.map((t) => t.name)).toEqual(['egress_ip', 'openai', 'example.test'])
    const other = c.targets[2]!
    expect(other.url.href).toBe('https://example.test/')
    expect((other.settings as HttpSettings).expect.status).toEqual([{ min: 100, max: 499 }])
    // Domains that need the tunnel list the proxies first: route advice and the PAC file prefer them.
    expect([other.intervalMs, other.timeoutMs, other.via]).toEqual([15_000, 5_000, ['socks', 'http', 'direct']])
    expect(c.listen).toBe('0.0.0.0:9550')
    expect(c.source).toContain('SOCKS5_PROXY')
  })

  it('falls back to HTTPS_PROXY, and USE_VLESS_PROXY=false turns proxies off', () => {
    expect(Object.keys(loadConfigFromEnv({ HTTPS_PROXY: 'http://127.0.0.1:8123' }).proxies)).toEqual(['http'])
    expect(loadConfigFromEnv({ USE_VLESS_PROXY: 'false', SOCKS5_PROXY: 'socks5://127.0.0.1:1080' }).proxies).toEqual({})
  })

  it('rejects a bad proxy URL in the environment with a clear error', () => {
    expect(() => loadConfigFromEnv({ SOCKS5_PROXY: 'socks4://127.0.0.1:1080' })).toThrow(/proxies\.socks: unsupported proxy scheme "socks4"/)
  })
})

describe('config files', () => {
  const write = (text: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-prober-config-'))
    writeFileSync(join(dir, 'ca.pem'), testCerts().ca)
    writeFileSync(join(dir, 'config.yml'), text)
    return join(dir, 'config.yml')
  }

  it('accepts the documented shape and resolves relative paths against the file', () => {
    const c = loadConfigFile(write(`
listen: 127.0.0.1:9550
defaults: { interval: 30s, timeout: 10s }
proxies:
  socks: socks5h://127.0.0.1:1080
  http: { url: "socks5://user:pa%40ss@127.0.0.1:8123", resolve: local }
egress_ip: { url: "http://127.0.0.1:1/ip", via: [direct, socks, http], interval: 60s }
targets:
  - name: pollinations
    url: https://pollinations.ai/
    via: [direct, socks, http]
    interval: 30s
    timeout: 5s
    expect: { status: [200-499] }
    method: GET
    headers: { Authorization: "Bearer \${TEST_KEY:-none}" }
    tls: { ca_file: ca.pem, insecure_skip_verify: false, server_name: example.org }
`), { TEST_KEY: 'k1' })
    const t = c.targets[1]!
    const settings = t.settings as HttpSettings
    expect(settings.request.headers.Authorization).toBe('Bearer k1')
    expect(t.tls.ca?.toString()).toContain('BEGIN CERTIFICATE')
    expect(t.tls.serverName).toBe('example.org')
    expect(settings.expect.status).toEqual([{ min: 200, max: 499 }])
    expect(c.proxies.http).toMatchObject({ username: 'user', password: 'pa@ss', resolve: 'local', redactedUrl: 'socks5://xxxxx:xxxxx@127.0.0.1:8123' })
    expect(c.targets[0]).toMatchObject({ name: 'egress_ip', kind: 'egress_ip', intervalMs: 60_000 })
  })

  it('takes a bare percent sign in a proxy password as written, in YAML and in SOCKS5_PROXY', () => {
    const c = loadConfigFile(write('proxies: { p: "socks5://u:50%off@127.0.0.1:1080", q: "http://u%zz:a%2Fb%@127.0.0.1:8123" }\ntargets: [{ name: a, url: "http://127.0.0.1:1/" }]\n'))
    expect(c.proxies.p).toMatchObject({ username: 'u', password: '50%off' })
    expect(c.proxies.q).toMatchObject({ username: 'u%zz', password: 'a%2Fb%' })
    const env = loadConfigFromEnv({ SOCKS5_PROXY: 'socks5://u:50%off@127.0.0.1:1080' })
    expect(env.proxies.socks).toMatchObject({ password: '50%off', redactedUrl: 'socks5://xxxxx:xxxxx@127.0.0.1:1080' })
  })

  it('never puts a proxy password into an error message', () => {
    try {
      loadConfigFile(write('proxies: { p: "socks5://u:hunter2@127.0.0.1:1080/path" }\ntargets: [{ name: a, url: "http://127.0.0.1:1/" }]\n'))
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).not.toContain('hunter2')
      expect((err as Error).message).toContain('proxies.p')
    }
  })
})

it.each([
  ['500ms', 500], ['30s', 30_000], ['1m30s', 90_000], ['2h', 7_200_000], ['0', 0], ['1.5s', 1500],
  ['30', undefined], ['s', undefined], ['30x', undefined], ['', undefined],
])('parseDuration(%j) = %j', (text, ms) => {
  expect(parseDuration(text)).toBe(ms)
})
