/**
 * One sentinel secret goes in everywhere a secret can (proxy username and password, a header
 * value, a query value, all through ${VAR}), and every output a user or a scraper sees is
 * searched for it: logs, /metrics, the status page, /api/status, /probe?debug=true, `check`
 * (table and JSON), --config.check and config errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { cleanEnv, runCli, startCli, type RunningCli } from './helpers/cli.js'
import { closedPort } from './helpers/net.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from './helpers/proxies.js'
import { startTarget, type TargetServer } from './helpers/target-server.js'
import { hasAll, waitFor } from './helpers/wait.js'

const SECRET = 'Sentinel-7f3a9c2e'
const env = cleanEnv({ PROXY_TOKEN: SECRET })
let target: TargetServer, socks: TestProxy, connect: TestProxy, dir: string, config: string, cli: RunningCli
const outputs: Record<string, string> = {}

beforeAll(async () => {
  [target, socks, connect] = await Promise.all([
    startTarget(), startSocksProxy({ auth: { user: SECRET, pass: SECRET } }), startConnectProxy({ auth: { user: SECRET, pass: '' } }),
  ])
  dir = mkdtempSync(join(tmpdir(), 'egress-prober-cli-'))
  config = join(dir, 'secrets.yml')
  writeFileSync(config, `listen: 127.0.0.1:0
defaults: { interval: 2s, timeout: 1s }
proxies:
  socks: "socks5h://\${PROXY_TOKEN}:\${PROXY_TOKEN}@127.0.0.1:${socks.port}"
  http: "http://\${PROXY_TOKEN}@127.0.0.1:${connect.port}"
egress_ip: { url: "${target.url('/ip')}" }
targets:
  - { name: api, url: "http://localhost:${target.port}/?key=\${PROXY_TOKEN}", headers: { Authorization: "Bearer \${PROXY_TOKEN}" } }
  - { name: down, url: "http://127.0.0.1:${await closedPort()}/?key=\${PROXY_TOKEN}", via: [direct] }
`)
  cli = await startCli([`--config.file=${config}`], env)
})
afterAll(async () => {
  await cli.stop('SIGKILL')
  await Promise.all([target, socks, connect].map((s) => s.close()))
})

it('the secret really is in use: the proxies accept it, the target gets the header and the query', async () => {
  const metrics = await waitFor(async () => await (await fetch(`${cli.base}/metrics`)).text(),
    hasAll('egress_probe_success{target="api",via="socks"} 1', 'egress_probe_success{target="api",via="http"} 1',
      'egress_probe_failure_reason{target="down",via="direct",reason="connect_refused"} 1'), 8000, 'every path probed')
  outputs.metrics = metrics
  expect(target.hits.some((h) => h.path.includes(`key=${SECRET}`))).toBe(true)
})

it('no output shows it', async () => {
  for (const path of ['/', '/api/status', '/proxy.pac', '/api/route?host=127.0.0.1', '/probe?target=api&via=socks&debug=true', '/probe?target=down&via=direct&debug=true', '/probe?target=api&via=http']) {
    outputs[path] = await (await fetch(cli.base + path)).text()
  }
  const check = await runCli(['check', `--config.file=${config}`], { env })
  const checkJson = await runCli(['check', '--output=json', `--config.file=${config}`], { env })
  const configCheck = await runCli(['--config.check', `--config.file=${config}`], { env })
  outputs.check = check.stdout + check.stderr
  outputs.checkJson = checkJson.stdout + checkJson.stderr
  outputs.configCheck = configCheck.stdout + configCheck.stderr
  // Config errors that quote the values they are about.
  const bad = join(dir, 'bad.yml')
  writeFileSync(bad, `proxies: { p: "ftp://\${PROXY_TOKEN}@127.0.0.1:1", q: "socks5://u:\${PROXY_TOKEN}@127.0.0.1:1/path" }
targets:
  - { name: a, url: "http://127.0.0.1:1/", expect: { body_regex: "(\${PROXY_TOKEN}" }, interval: "\${PROXY_TOKEN}" }
  - { name: b, url: "http://127.0.0.1:1/", via: ["\${PROXY_TOKEN}"] }
`)
  const errors = await runCli(['--config.check', `--config.file=${bad}`], { env })
  expect(errors.status).toBe(2)
  expect(errors.stderr).toContain('${PROXY_TOKEN}') // named, never shown
  outputs.configErrors = errors.stderr
  // A failed reload logs its problems too.
  writeFileSync(config, 'targets: [{ name: a, url: "http://127.0.0.1:1/", interval: "${PROXY_TOKEN}" }]\n')
  cli.child.kill('SIGHUP')
  await waitFor(async () => cli.logs(), (l) => l.includes('reload failed'), 5000, 'the failed reload')
  outputs.logs = cli.logs()
  expect(outputs.check).toContain('api')
  expect(outputs.logs).toContain('egress-prober started')
  for (const [name, text] of Object.entries(outputs)) {
    expect(text.includes(SECRET), `${name} shows the secret`).toBe(false)
    expect(text.includes(Buffer.from(`${SECRET}:${SECRET}`).toString('base64')), `${name} shows the encoded secret`).toBe(false)
  }
})
