/**
 * --web.config.file end to end, through the built CLI: real TLS (openssl-made certificates),
 * real bcrypt hashes from htpasswd, every endpoint behind them, changes picked up on the next
 * request, client certificates, and an invalid file refused at start with every problem named.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs'
import https from 'node:https'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testCerts } from '../helpers/certs.js'
import { runCli, startCli, type RunningCli } from '../helpers/cli.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { requireTools } from '../helpers/tools.js'

const HAVE_HTPASSWD = requireTools('htpasswd')
let target: TargetServer, dir: string
const running: RunningCli[] = []

beforeAll(async () => {
  target = await startTarget()
  dir = mkdtempSync(join(tmpdir(), 'egress-prober-web-'))
})
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  await target.close()
})

/** A bcrypt hash made by Apache's htpasswd, as exporter-toolkit's docs say to make one. */
function htpasswd (password: string): string {
  const r = spawnSync('htpasswd', ['-nbBC', '10', '', password], { encoding: 'utf8' })
  return r.stdout.trim().replace(/^:/, '')
}

const file = (name: string, body: string): string => { const f = join(dir, name); writeFileSync(f, body); return f }
const proberConfig = (): string => file('prober.yml', `listen: 127.0.0.1:0\ntargets: [{ name: a, url: "${target.url('/')}", via: [direct], interval: 30s, timeout: 2s }]\n`)

interface Answer { status?: number, headers?: http.IncomingHttpHeaders, body?: string, error?: string }

function get (url: string, opts: { auth?: string, cert?: string, key?: string, method?: string } = {}): Promise<Answer> {
  const certs = testCerts()
  const u = new URL(url)
  const client = u.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    const req = client.request(u, {
      method: opts.method ?? 'GET',
      ca: certs.ca,
      ...(opts.auth !== undefined && { auth: opts.auth }),
      ...(opts.cert !== undefined && { cert: readFileSync(join(certs.dir, opts.cert)), key: readFileSync(join(certs.dir, opts.key!)) }),
      timeout: 5000,
    }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => { body += d.toString() })
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.end()
  })
}

describe.runIf(HAVE_HTPASSWD)('TLS and basic auth', () => {
  let cli: RunningCli, web: string
  const alice = (hash: string): string => `tls_server_config:
  cert_file: ${join(testCerts().dir, 'server.crt')}
  key_file: ${join(testCerts().dir, 'server.key')}
http_server_config:
  headers: { X-Frame-Options: deny, X-Content-Type-Options: nosniff }
basic_auth_users:
  alice: ${hash}
`
  beforeAll(async () => {
    web = file('web.yml', alice(htpasswd('s3cret')))
    cli = await startCli([`--config.file=${proberConfig()}`, `--web.config.file=${web}`])
    running.push(cli)
  })

  it('serves HTTPS; every endpoint answers 401 with WWW-Authenticate without the right password', async () => {
    expect(cli.base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    for (const path of ['/metrics', '/', '/api/status', '/-/healthy', '/-/ready', '/probe?target=a']) {
      const r = await get(cli.base + path)
      expect({ path, status: r.status, auth: r.headers?.['www-authenticate'] }).toEqual({ path, status: 401, auth: 'Basic' })
    }
    expect((await get(`${cli.base}/metrics`, { auth: 'alice:wrong' })).status).toBe(401)
    expect((await get(`${cli.base}/metrics`, { auth: 'mallory:s3cret' })).status).toBe(401)
  })

  it('the right password gets the metrics, with the configured headers', async () => {
    const r = await get(`${cli.base}/metrics`, { auth: 'alice:s3cret' })
    expect(r.status).toBe(200)
    expect(r.body).toContain('egress_probe_success')
    expect(r.headers?.['x-frame-options']).toBe('deny')
    expect(r.headers?.['x-content-type-options']).toBe('nosniff')
  })

  it('plain HTTP on the TLS port gets no metrics', async () => {
    const r = await get(cli.base.replace('https:', 'http:') + '/metrics', { auth: 'alice:s3cret' })
    expect(r.body ?? '').not.toContain('egress_probe')
    expect(r.status === undefined || r.status >= 400).toBe(true)
  })

  it('a changed file applies on the next request; an invalid one refuses everything until fixed', async () => {
    writeFileSync(web, alice(htpasswd('n3w-pass')))
    expect((await get(`${cli.base}/metrics`, { auth: 'alice:s3cret' })).status).toBe(401)
    expect((await get(`${cli.base}/metrics`, { auth: 'alice:n3w-pass' })).status).toBe(200)
    writeFileSync(web, 'basic_auth_users: { alice: not-a-hash }\n')
    expect((await get(`${cli.base}/metrics`, { auth: 'alice:n3w-pass' })).status).toBe(500)
    writeFileSync(web, alice(htpasswd('n3w-pass')))
    expect((await get(`${cli.base}/metrics`, { auth: 'alice:n3w-pass' })).status).toBe(200)
    expect(cli.logs()).toContain('web config is invalid')
    expect(cli.logs()).not.toContain('n3w-pass')
  })
})

describe('client certificates (RequireAndVerifyClientCert)', () => {
  let cli: RunningCli
  beforeAll(async () => {
    const c = testCerts()
    const web = file('mtls.yml', `tls_server_config:
  cert_file: ${join(c.dir, 'server.crt')}
  key_file: ${join(c.dir, 'server.key')}
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ${c.caFile}
  client_allowed_sans: [prometheus.test]
`)
    cli = await startCli([`--config.file=${proberConfig()}`, `--web.config.file=${web}`])
    running.push(cli)
  })

  it('no certificate, or one the CA did not sign: no answer; the CA-signed one: 200', async () => {
    expect((await get(`${cli.base}/metrics`)).status).toBeUndefined()
    expect((await get(`${cli.base}/metrics`, { cert: 'stranger.crt', key: 'stranger.key' })).status).toBeUndefined()
    const ok = await get(`${cli.base}/metrics`, { cert: 'client.crt', key: 'client.key' })
    expect(ok.status).toBe(200)
    expect(ok.body).toContain('egress_probe_success')
  })
})

it('an invalid web config exits 2 naming every bad key at once', async () => {
  const web = file('bad-web.yml', `tls_server_config:
  cert_file: /nonexistent/server.crt
  client_auth_type: RequireAndVerifyClientCert
  min_version: TLS99
http_server_config:
  headers: { X-Frame-Options: allow, Server: mine }
basic_auth_users:
  alice: plaintext-password
`)
  const again = await runCli(['--config.check', `--config.file=${proberConfig()}`, `--web.config.file=${web}`])
  expect(again.status).toBe(2)
  for (const line of [
    'basic_auth_users.alice: not a bcrypt hash',
    'http_server_config.headers.X-Frame-Options: must be one of deny, sameorigin',
    'http_server_config.headers.Server: this header can not be configured',
    'tls_server_config.cert_file: cannot read "/nonexistent/server.crt": ENOENT',
    'tls_server_config.key_file: missing',
    'tls_server_config.client_ca_file: required with client_auth_type RequireAndVerifyClientCert',
    'tls_server_config.min_version: "TLS99" is not one of TLS10, TLS11, TLS12, TLS13',
  ]) expect(again.stderr).toContain(line)
  expect(again.stderr).not.toContain('plaintext-password')
})
