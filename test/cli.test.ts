/** The built CLI, run as a user runs it, against loopback targets and proxies. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testCerts } from './helpers/certs.js'
import { cleanEnv, runCli, startCli, type RunningCli } from './helpers/cli.js'
import { closedPort } from './helpers/net.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from './helpers/proxies.js'
import { startTarget, type TargetServer } from './helpers/target-server.js'

let target: TargetServer, socks: TestProxy, connect: TestProxy, dir: string
const running: RunningCli[] = []

beforeAll(async () => {
  [target, socks, connect] = await Promise.all([startTarget(), startSocksProxy({ auth: { user: 'probe', pass: 's3cret-pw' } }), startConnectProxy()])
  dir = mkdtempSync(join(tmpdir(), 'egress-prober-cli-'))
})
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  await Promise.all([target, socks, connect].map((s) => s.close()))
})

function configFile (name: string, body: string): string {
  const file = join(dir, name)
  writeFileSync(file, body)
  return file
}

const healthy = (): string => `
listen: 127.0.0.1:0
defaults: { interval: 2s, timeout: 1500ms }
proxies: { socks: "${socks.url}", http: "${connect.url}" }
egress_ip: { url: "${target.url('/ip')}" }
targets:
  - { name: api, url: "http://localhost:${target.port}/" }
`

describe('egress-prober check', () => {
  it('prints the table and exits 0 when every probe passes', async () => {
    const r = await runCli(['check', `--config.file=${configFile('ok.yml', healthy())}`])
    expect(r.stdout).toMatch(/^TARGET\s+VIA\s+RESULT\s+HOP\s+MS\s+STATUS\s+EGRESS IP$/m)
    expect(r.stdout).toMatch(/^egress_ip\s+direct\s+ok\s+-\s+\d+\s+200\s+127\.0\.0\.1$/m)
    expect(r.stdout).toMatch(/^egress_ip\s+socks\s+ok\s+-\s+\d+\s+200\s+127\.0\.0\.2$/m)
    expect(r.stdout).toMatch(/^api\s+http\s+ok\s+-\s+\d+\s+200\s+127\.0\.0\.2$/m)
    expect(r.stdout).toContain('egress IP: direct 127.0.0.1, socks 127.0.0.2 (no leak), http 127.0.0.2 (no leak)')
    expect(r.stdout).toContain('verdicts: api ok')
    expect(r.stdout).toContain('OK: 6/6 probes passed')
    expect(r.stdout).not.toContain('\x1b[') // no colors when stdout is not a terminal
    expect(r.status).toBe(0)
  })

  it('runs every kind: an egress_ip target by kind, tcp and download, each through every path', async () => {
    const config = `
proxies: { socks: "${socks.url}", http: "${connect.url}" }
targets:
  - { name: echo, kind: egress_ip, url: "${target.url('/ip')}" }
  - { name: port, kind: tcp, url: "tcp://localhost:${target.port}", send: "GET / HTTP/1.0\\r\\n\\r\\n", expect: { banner: "^HTTP/1\\\\.1 200" } }
  - { name: bulk, kind: download, url: "${target.url('/?size=200000')}" }
`
    const r = await runCli(['check', `--config.file=${configFile('kinds.yml', config)}`])
    expect(r.stdout).toMatch(/^echo\s+socks\s+ok\s+-\s+\d+\s+200\s+127\.0\.0\.2$/m)
    for (const via of ['direct', 'socks', 'http']) {
      expect(r.stdout).toMatch(new RegExp(`^port\\s+${via}\\s+ok\\s+-\\s+\\d+\\s+-\\s`, 'm'))
      expect(r.stdout).toMatch(new RegExp(`^bulk\\s+${via}\\s+ok\\s+-\\s+\\d+\\s+200\\s`, 'm'))
    }
    expect(r.stdout).toContain('egress IP: direct 127.0.0.1, socks 127.0.0.2 (no leak), http 127.0.0.2 (no leak)')
    expect(r.stdout).toContain('verdicts: port ok, bulk ok')
    expect(r.stdout).toContain('OK: 9/9 probes passed')
    expect(r.status).toBe(0)
  })

  it('names each path\'s egress country when the IP-echo service does (JSON and --output=json)', async () => {
    const config = healthy().replace(target.url('/ip'), target.url('/ip?format=ip-api&loc.127.0.0.1=RU&loc.127.0.0.2=NL'))
    const r = await runCli(['check', `--config.file=${configFile('country.yml', config)}`])
    expect(r.stdout).toContain('egress IP: direct 127.0.0.1 RU, socks 127.0.0.2 NL (no leak), http 127.0.0.2 NL (no leak)')
    const json = await runCli(['check', '--output=json', `--config.file=${configFile('country.yml', config)}`])
    expect((JSON.parse(json.stdout) as { egress: unknown[] }).egress).toContainEqual({ via: 'socks', ip: '127.0.0.2', country: 'NL', leak: false })
  })

  it('exits 1 and names the reason when a proxy is dead', async () => {
    const dead = await closedPort()
    const r = await runCli(['check', `--config.file=${configFile('dead.yml', healthy().replace(connect.url, `http://127.0.0.1:${dead}`))}`])
    expect(r.stdout).toMatch(/^api\s+http\s+proxy_refused\s+sidecar\s+\d+\s+-\s+-$/m)
    expect(r.stdout).toContain('verdicts: api proxy_degraded')
    expect(r.stdout).toContain('FAILED: 4/6 probes passed')
    expect(r.status).toBe(1)
  })

  it('tunnels through an https:// proxy (TLS to the proxy, trusted through NODE_EXTRA_CA_CERTS)', async () => {
    const tlsProxy = await startConnectProxy({ tls: true })
    try {
      const file = configFile('https-proxy.yml', `proxies: { secure: "${tlsProxy.url.replace('127.0.0.1', 'localhost')}" }
targets: [{ name: api, url: "${target.url('/ip')}", via: [secure] }]
`)
      const r = await runCli(['check', `--config.file=${file}`], { env: cleanEnv({ NODE_EXTRA_CA_CERTS: testCerts().caFile }) })
      expect(r.stdout).toMatch(/^api\s+secure\s+ok\s+-\s+\d+\s+200/m)
      expect(tlsProxy.requests.map((q) => q.host)).toEqual(['127.0.0.1'])
      expect(r.status).toBe(0)
    } finally {
      await tlsProxy.close()
    }
  })

  it('prints JSON with --output=json', async () => {
    const r = await runCli(['check', '--output=json', `--config.file=${configFile('ok.yml', healthy())}`])
    const json = JSON.parse(r.stdout) as { ok: boolean, results: { target: string, via: string, egressIp: string }[] }
    expect(json.ok).toBe(true)
    expect(json.results.find((x) => x.target === 'api' && x.via === 'socks')?.egressIp).toBe('127.0.0.2')
  })
})

describe('egress-prober (serving)', () => {
  it('serves /metrics, is ready, never logs the proxy password, and exits 0 on SIGTERM mid-probe', async () => {
    const file = configFile('serve.yml', `${healthy()}  - { name: slow, url: "${target.url('/?delay=1200')}", via: [direct], interval: 5s, timeout: 4s }
  - { name: down, url: "http://127.0.0.1:${await closedPort()}/", via: [direct] }
`)
    const cli = await startCli([`--config.file=${file}`])
    running.push(cli)
    expect((await fetch(`${cli.base}/-/ready`)).status).toBe(200)
    // First runs are spread over the 2 s interval; wait for a full round.
    const deadline = Date.now() + 8000
    let text = ''
    while (Date.now() < deadline) {
      text = await (await fetch(`${cli.base}/metrics`)).text()
      if (text.includes('egress_probe_success{target="down",via="direct"}') && text.includes('egress_ip_info{via="socks"')) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(text).toContain('egress_probe_success{target="api",via="socks"} 1')
    expect(text).toContain('egress_probe_failure_reason{target="down",via="direct",reason="connect_refused"} 1')
    expect(cli.logs()).toMatch(/"target":"down","via":"direct","reason":"connect_refused".*"msg":"probe failed"/)
    expect(cli.logs()).toContain('socks5h://xxxxx:xxxxx@127.0.0.1')
    expect(cli.logs()).not.toContain('s3cret-pw')
    // Wait until the slow probe is in flight, then stop.
    const hits = target.hits.length
    await new Promise((resolve) => setTimeout(resolve, 50))
    for (let i = 0; i < 100 && !target.hits.slice(hits).some((h) => h.path.includes('delay=1200')); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    const inFlight = target.hits.slice(hits).find((h) => h.path.includes('delay=1200'))
    expect(inFlight?.answered).toBe(false) // still running when the signal arrives
    const started = Date.now()
    expect(await cli.stop('SIGTERM', 10_000)).toBe(0)
    expect(Date.now() - started).toBeLessThan(6000)
    expect(inFlight?.answered).toBe(true) // it was let finish, not cut
    expect(cli.logs()).toContain('shutting down')
  })

  it('a second signal exits at once, without waiting for the in-flight probe', async () => {
    const file = configFile('second.yml', `listen: 127.0.0.1:0
targets: [{ name: slow, url: "${target.url('/?delay=9000')}", via: [direct], interval: 20s, timeout: 9500ms }]
`)
    const cli = await startCli([`--config.file=${file}`])
    running.push(cli)
    for (let i = 0; i < 100 && !target.hits.some((h) => h.path.includes('delay=9000')); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    const exited = new Promise<number | null>((resolve) => cli.child.once('exit', resolve))
    cli.child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(cli.child.exitCode).toBeNull() // still finishing the probe
    const started = Date.now()
    cli.child.kill('SIGTERM')
    expect(await exited).toBe(1)
    expect(Date.now() - started).toBeLessThan(1500)
  })
})

describe('starting up', () => {
  it('an address in use ends in one clear line and exit 1, not a stack trace', async () => {
    const { createServer } = await import('node:net')
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const port = (busy.address() as import('node:net').AddressInfo).port
    const file = configFile('busy.yml', `targets: [{ name: a, url: "${target.url('/')}", via: [direct] }]\n`)
    const r = await runCli([`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`])
    busy.close()
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `egress-prober: cannot listen on 127.0.0.1:${port}: address already in use\n` })
  })

  it('environment mode says which variables it read and which paths they became', async () => {
    const cli = await startCli(['--web.listen-address=127.0.0.1:0'], cleanEnv({
      SOCKS5_PROXY: socks.url, HTTP_PROXY: connect.url, PROXY_REQUIRED_DOMAINS: `localhost:${target.port}`, EGRESS_IP_URL: target.url('/ip'),
    }))
    running.push(cli)
    const started = cli.logs().split('\n').find((l) => l.includes('egress-prober started'))!
    expect(JSON.parse(started)).toMatchObject({
      config: 'environment (SOCKS5_PROXY → path socks, HTTP_PROXY → path http, PROXY_REQUIRED_DOMAINS, EGRESS_IP_URL)',
      paths: 'direct,socks,http',
      proxies: `socks=socks5h://xxxxx:xxxxx@127.0.0.1:${socks.port},http=http://127.0.0.1:${connect.port}`,
    })
  })
})
