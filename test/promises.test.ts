/**
 * README promises, each with a test that a user would recognise: HEAD probes, TLS options,
 * IPv6 loopback targets and proxies, --version and --help, readiness, SIGINT, the precedence of
 * the listen address, the skipped counter, the `unknown` reason's message, and a reload that
 * keeps the schedule of unchanged pairs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.js'
import { createRegistry } from '../src/metrics/registry.js'
import { classifyError } from '../src/probes/failure.js'
import { Prober } from '../src/prober.js'
import { Trace } from '../src/transport/trace.js'
import { testCerts } from './helpers/certs.js'
import { cleanEnv, runCli, startCli, type RunningCli } from './helpers/cli.js'
import { FakeTimers } from './helpers/fake-timers.js'
import { startRawServer } from './helpers/net.js'
import { freePorts } from './helpers/ports.js'
import { configFrom, probeAll, testLookup } from './helpers/probe.js'
import { startConnectProxy, startSocksProxy } from './helpers/proxies.js'
import { startTarget, type TargetServer } from './helpers/target-server.js'
import { waitFor } from './helpers/wait.js'

let target: TargetServer, https: TargetServer, v6: TargetServer, dir: string
const closers: (() => Promise<unknown>)[] = []
const running: RunningCli[] = []
beforeAll(async () => {
  [target, https, v6] = await Promise.all([startTarget(), startTarget({ tls: true }), startTarget({ host: '::1' })])
  closers.push(target.close, https.close, v6.close)
  dir = mkdtempSync(join(tmpdir(), 'egress-prober-cli-'))
})
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  await Promise.all(closers.map((c) => c()))
})
const file = (name: string, body: string): string => { const f = join(dir, name); writeFileSync(f, body); return f }

describe('probes', () => {
  it('method: HEAD sends HEAD and succeeds on the status alone', async () => {
    const r = await probeAll(`targets: [{ name: h, url: "${target.url('/head')}", via: [direct], method: HEAD }]`)
    expect(r['h/direct']).toMatchObject({ success: true, statusCode: 200, bodyBytes: 0 })
    expect(target.hits.find((h) => h.path === '/head')?.method).toBe('HEAD')
  })

  it('tls.insecure_skip_verify accepts an untrusted certificate; without it the probe fails with tls', async () => {
    const r = await probeAll(`targets:
  - { name: insecure, url: "${https.url('/')}", via: [direct], tls: { insecure_skip_verify: true } }
  - { name: strict, url: "${https.url('/')}", via: [direct] }`)
    expect(r['insecure/direct']).toMatchObject({ success: true })
    expect(r['strict/direct']).toMatchObject({ success: false, reason: 'tls' })
  })

  it('tls.server_name verifies the certificate against that name, not the URL\'s IP', async () => {
    const ca = testCerts().caFile
    const r = await probeAll(`targets:
  - { name: right, url: "${https.url('/')}", via: [direct], tls: { ca_file: "${ca}", server_name: api.test } }
  - { name: wrong, url: "${https.url('/')}", via: [direct], tls: { ca_file: "${ca}", server_name: nowhere.example } }`)
    expect(r['right/direct']).toMatchObject({ success: true })
    expect(r['wrong/direct']).toMatchObject({ success: false, reason: 'tls' })
  })

  it('IPv6 loopback: a target on [::1], proxies listening on [::1], and a tunnel to [::1]', async () => {
    const socks6 = await startSocksProxy({ host: '::1' })
    const connect6 = await startConnectProxy({ host: '::1' })
    closers.push(socks6.close, connect6.close)
    const r = await probeAll(`proxies: { socks: "${socks6.url}", http: "${connect6.url}" }
targets:
  - { name: six, url: "http://[::1]:${v6.port}/", via: [direct, socks, http] }
  - { name: four, url: "${target.url('/')}", via: [socks, http] }`)
    for (const key of ['six/direct', 'six/socks', 'six/http', 'four/socks', 'four/http']) expect(r[key], key).toMatchObject({ success: true, statusCode: 200 })
    expect(socks6.requests.at(-1)?.addressType).toBeDefined()
    expect([...socks6.requests, ...connect6.requests].map((q) => q.host)).toContain('::1')
  })

  it('the unknown reason carries our own one-line message naming the phase and the code', () => {
    const trace = new Trace(() => 0)
    trace.advance('processing')
    const weird = Object.assign(new Error('internal library detail\n    at somewhere (lib.js:1:1)'), { code: 'EWEIRD' })
    expect(classifyError(weird, trace, { timedOut: false, viaProxy: false })).toEqual({ reason: 'unknown', message: 'unexplained error during processing (EWEIRD)' })
  })
})

describe('the command line', () => {
  it('--version and --help print and exit 0', async () => {
    const version = await runCli(['--version'])
    expect({ status: version.status, out: version.stdout }).toMatchObject({ status: 0, out: expect.stringMatching(/^egress-prober \d+\.\d+\.\d+ \(node v\d+/) })
    const help = await runCli(['--help'])
    expect(help.status).toBe(0)
    for (const flag of ['--config.file', '--web.config.file', '--web.enable-lifecycle', '--log.format', '--config.check']) expect(help.stdout).toContain(flag)
  })

  it('SIGINT stops it like SIGTERM: exit 0', async () => {
    const cli = await startCli([`--config.file=${file('sigint.yml', `listen: 127.0.0.1:0\ntargets: [{ name: a, url: "${target.url('/')}", via: [direct] }]\n`)}`])
    running.push(cli)
    expect(await cli.stop('SIGINT')).toBe(0)
    expect(cli.logs()).toContain('"signal":"SIGINT"')
  })

  it('the listen address: --web.listen-address over LISTEN_ADDRESS over the file', async () => {
    const [p1, p2, p3] = await freePorts(3) as [number, number, number]
    const config = file('listen.yml', `listen: 127.0.0.1:${p1}\ntargets: [{ name: a, url: "${target.url('/')}", via: [direct] }]\n`)
    const env = cleanEnv({ LISTEN_ADDRESS: `127.0.0.1:${p2}` })
    for (const [args, environment, port] of [
      [[`--config.file=${config}`, `--web.listen-address=127.0.0.1:${p3}`], env, p3],
      [[`--config.file=${config}`], env, p2],
      [[`--config.file=${config}`], cleanEnv(), p1],
    ] as const) {
      const cli = await startCli([...args], environment)
      running.push(cli)
      expect(cli.base).toBe(`http://127.0.0.1:${port}`)
      await cli.stop()
    }
  })
})

describe('the prober', () => {
  it('/-/ready answers 503 until the schedule starts, then 200 (through serve(), as the CLI runs it)', async () => {
    const { serve } = await import('../src/commands/serve.js')
    const [port] = await freePorts(1) as [number]
    let open = (): void => {}
    const startGate = new Promise<void>((resolve) => { open = resolve })
    const serving = serve(configFrom(`listen: 127.0.0.1:${port}\ntargets: [{ name: a, url: "${target.url('/ready-gate')}", via: [direct], interval: 30s }]`), createLogger('silent'), { lifecycle: false, startGate })
    const base = `http://127.0.0.1:${port}`
    // Listening, not started: healthy but not ready.
    expect(await waitFor(async () => await fetch(`${base}/-/ready`).then((r) => r.status, () => 0), (s) => s !== 0, 10_000, 'the server to listen')).toBe(503)
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200)
    expect(target.hits.some((h) => h.path === '/ready-gate')).toBe(false) // nothing probed yet
    open()
    const running = await serving
    closers.push(() => running.close())
    expect((await fetch(`${base}/-/ready`)).status).toBe(200)
  })

  it('egress_probe_skipped_total counts each slot missed while the previous probe still runs', async () => {
    const silent = await startRawServer(() => {}) // accepts, never answers: the probe runs 9 s
    closers.push(silent.close)
    const timers = new FakeTimers()
    const registry = createRegistry()
    const prober = new Prober(configFrom(`targets: [{ name: slow, url: "http://127.0.0.1:${silent.port}/", via: [direct], interval: 10s, timeout: 9s }]`),
      { logger: createLogger('silent'), registry, lookup: testLookup(), timers })
    prober.start()
    await timers.advance(100_000) // slots at 0, 10, ..., 100 s of scheduler time; the first probe is still running
    expect(prober.metrics.render()).toContain('egress_probe_skipped_total{target="slow",via="direct"} 10')
    const stopped = prober.stop(0) // the grace period runs on the fake clock
    await timers.advance(1)
    await stopped
  })

  it('a reload keeps the schedule of an unchanged pair: it is not re-run by the reload, and runs at its old slot', async () => {
    const timers = new FakeTimers()
    const prober = new Prober(configFrom(`targets:
  - { name: keep, url: "${target.url('/keep')}", via: [direct], interval: 10s, timeout: 2s }
  - { name: gone, url: "${target.url('/gone')}", via: [direct], interval: 10s, timeout: 2s }`), { logger: createLogger('silent'), registry: createRegistry(), timers })
    const runs = async (): Promise<number> => { await new Promise((resolve) => setTimeout(resolve, 100)); return target.hits.filter((h) => h.path === '/keep').length }
    prober.start()
    await timers.advance(0) // keep runs at 0 s, gone at 5 s
    expect(await runs()).toBe(1)
    await timers.advance(7000)
    prober.reload(configFrom(`targets:
  - { name: keep, url: "${target.url('/keep')}", via: [direct], interval: 10s, timeout: 2s }
  - { name: added, url: "${target.url('/added')}", via: [direct], interval: 10s, timeout: 2s }`))
    await timers.advance(0)
    expect(await runs()).toBe(1) // a restarted schedule would run it now (offset 0)
    await timers.advance(2999)
    expect(await runs()).toBe(1)
    await timers.advance(1) // 10 s: its old slot
    expect(await runs()).toBe(2)
    const stopped = prober.stop(0)
    await timers.advance(1)
    await stopped
  })
})
