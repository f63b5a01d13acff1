/**
 * The running CLI under pressure: SIGTERM with probes queued behind the concurrency limit,
 * reloads of hostile or empty files, and `check` with many probes sharing one abort signal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runCli, startCli, type RunningCli } from '../helpers/cli.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { hasAll, waitFor } from '../helpers/wait.js'

const ALIAS_BOMB = readFileSync(fileURLToPath(new URL('../config/fixtures/invalid/alias-bomb.yml', import.meta.url)), 'utf8')
let target: TargetServer, dir: string
const running: RunningCli[] = []

beforeAll(async () => {
  target = await startTarget()
  dir = mkdtempSync(join(tmpdir(), 'egress-prober-cli-'))
})
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  await target.close()
})

const file = (name: string, body: string): string => { const f = join(dir, name); writeFileSync(f, body); return f }

it('SIGTERM with probes queued behind max_concurrent_probes: none of them starts, and the exit is bounded', async () => {
  // One slot, eight pairs half a second apart, each holding its slot 3 s: a queue builds up.
  const names = Array.from({ length: 8 }, (_, i) => `q${i}`)
  const cli = await startCli([`--config.file=${file('queue.yml', `listen: 127.0.0.1:0
max_concurrent_probes: 1
defaults: { interval: 4s, timeout: 3500ms }
targets:
${names.map((n) => `  - { name: ${n}, url: "${target.url(`/${n}?delay=3000`)}", via: [direct] }`).join('\n')}
`)}`])
  running.push(cli)
  await waitFor(async () => target.hits.filter((h) => h.path.startsWith('/q')).length, (n) => n >= 1, 5000, 'the first probe')
  await new Promise((resolve) => setTimeout(resolve, 1500)) // three more pairs are queued by now
  const hitsAtSignal = target.hits.filter((h) => h.path.startsWith('/q')).length
  const started = Date.now()
  expect(await cli.stop('SIGTERM', 20_000)).toBe(0)
  const tookMs = Date.now() - started
  expect(target.hits.filter((h) => h.path.startsWith('/q')).length).toBe(hitsAtSignal) // nothing queued started
  // The in-flight probe may run out its 3.5 s timeout; 24 s before the fix. 8 s leaves room for a busy machine.
  expect(tookMs).toBeLessThan(8000)
})

it('a reload with a YAML alias bomb (SIGHUP and POST) keeps the prober up and says so in plain text', async () => {
  const config = file('bomb.yml', `listen: 127.0.0.1:0\ntargets: [{ name: a, url: "${target.url('/a')}", via: [direct], interval: 30s, timeout: 2s }]\n`)
  const cli = await startCli([`--config.file=${config}`, '--web.enable-lifecycle'])
  running.push(cli)
  await waitFor(async () => await (await fetch(`${cli.base}/metrics`)).text(), hasAll('egress_probe_success{target="a",via="direct"} 1'), 5000, 'a probed')
  writeFileSync(config, ALIAS_BOMB)
  cli.child.kill('SIGHUP')
  const text = await waitFor(async () => await (await fetch(`${cli.base}/metrics`)).text(), hasAll('egress_prober_config_last_reload_successful 0'), 5000, 'the failed reload')
  expect(text).toContain('egress_probe_success{target="a",via="direct"} 1') // the old config still runs
  const res = await fetch(`${cli.base}/-/reload`, { method: 'POST' })
  expect(res.status).toBe(500)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
  const body = await res.text()
  expect(body).toContain('YAML aliases expand too much')
  expect(body).not.toMatch(/<html|at .*\.js:\d+/)
  writeFileSync(config, '')
  const empty = await fetch(`${cli.base}/-/reload`, { method: 'POST' })
  expect({ status: empty.status, body: await empty.text() }).toMatchObject({ status: 500, body: expect.stringContaining('the config is empty') })
  expect(cli.child.exitCode).toBeNull()
  expect(await (await fetch(`${cli.base}/metrics`)).text()).toContain('egress_probe_success{target="a",via="direct"} 1')
})

it('without --web.enable-lifecycle, POST /-/reload is 403 and SIGHUP still reloads', async () => {
  const config = file('nolife.yml', `listen: 127.0.0.1:0\ntargets: [{ name: a, url: "${target.url('/a')}", via: [direct], interval: 30s, timeout: 2s }]\n`)
  const cli = await startCli([`--config.file=${config}`])
  running.push(cli)
  writeFileSync(config, `listen: 127.0.0.1:0\ntargets: [{ name: b, url: "${target.url('/b')}", via: [direct], interval: 30s, timeout: 2s }]\n`)
  expect((await fetch(`${cli.base}/-/reload`, { method: 'POST' })).status).toBe(403)
  expect(await (await fetch(`${cli.base}/metrics`)).text()).not.toContain('target="b"')
  cli.child.kill('SIGHUP')
  await waitFor(async () => await (await fetch(`${cli.base}/metrics`)).text(), hasAll('egress_probe_success{target="b",via="direct"} 1'), 5000, 'b after SIGHUP')
})

it('check with more than ten probes prints no MaxListenersExceededWarning', async () => {
  const targets = Array.from({ length: 12 }, (_, i) => `  - { name: m${i}, url: "${target.url('/')}", via: [direct] }`).join('\n')
  const r = await runCli(['check', `--config.file=${file('many.yml', `targets:\n${targets}\n`)}`])
  expect(r.stdout).toContain('OK: 12/12 probes passed')
  expect(r.stderr).not.toContain('MaxListenersExceededWarning')
  expect(r.status).toBe(0)
})
