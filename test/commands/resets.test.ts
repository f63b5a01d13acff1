/**
 * Resets during a proxy's handshake, as a user meets them: `check` through proxies that reset at
 * each step exits 1 with a report every time, and the server keeps running for a minute behind
 * a tunnel that resets every third connection (13 crashes in 10 minutes before).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, runCli, startCli, type RunningCli } from '../helpers/cli.js'
import { configFile } from '../helpers/config-file.js'
import { startFaultServer } from '../helpers/fault-server.js'
import type { FaultCase, TransportName } from '../helpers/faults.js'
import { PROXY_STEPS } from '../helpers/faults.js'
import { startFlakyForwarder, type FlakyForwarder } from '../helpers/flaky-forwarder.js'
import type { HostilePeer } from '../helpers/hostile.js'
import { testCerts } from '../helpers/certs.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { waitFor } from '../helpers/wait.js'

describe('check through proxies that reset at each handshake step', () => {
  const cases: FaultCase[] = (['socks5', 'http', 'https'] as TransportName[])
    .flatMap((transport) => PROXY_STEPS[transport].map((step) => ({ transport, kind: 'http' as const, step, fault: 'reset' as const })))
  const peers: HostilePeer[] = []
  let file: string
  beforeAll(async () => {
    peers.push(...await Promise.all(cases.map(startFaultServer)))
    const url = { socks5: 'socks5h', http: 'http', https: 'https' }
    const proxies = cases.map((c, i) => {
      const u = `${url[c.transport as 'socks5']}://127.0.0.1:${peers[i]!.port}`
      return `  ${c.transport}_${c.step}: ${c.transport === 'https' ? `{ url: "${u}", tls: { ca_file: "${testCerts().caFile}" } }` : `"${u}"`}`
    })
    file = configFile('resets.yml', `proxies:\n${proxies.join('\n')}\ntargets: [{ name: t, url: "http://target.test/", timeout: 3s, via: [${cases.map((c) => `${c.transport}_${c.step}`).join(', ')}] }]\n`)
  })
  afterAll(async () => { await Promise.all(peers.map((p) => p.close())) })

  it(`exits 1 with a report naming proxy_rejected for each of the ${cases.length} proxies, three runs in a row`, async () => {
    for (let run = 0; run < 3; run++) {
      const r = await runCli(['check', `--config.file=${file}`])
      expect(r.stderr).not.toMatch(/Unhandled|ECONNRESET|\n\s+at /)
      for (const c of cases) expect(r.stdout).toMatch(new RegExp(`^t\\s+${c.transport}_${c.step}\\s+proxy_rejected\\s`, 'm'))
      expect(r.stdout).toContain(`FAILED: 0/${cases.length} probes passed`)
      expect(r.status).toBe(1)
    }
  }, 60_000)
})

describe('serving for a minute behind a tunnel that resets every third connection', () => {
  let target: TargetServer, socks: TestProxy, flaky: FlakyForwarder, cli: RunningCli
  beforeAll(async () => {
    [target, socks] = await Promise.all([startTarget(), startSocksProxy()])
    flaky = await startFlakyForwarder({ port: socks.port })
    const targets = ['a', 'b', 'c'].map((n) => `  - { name: ${n}, url: "${target.url(`/${n}`)}" }`).join('\n')
    cli = await startCli([`--config.file=${configFile('soak.yml', `listen: 127.0.0.1:0
defaults: { interval: 1s, timeout: 900ms }
proxies: { tunnel: "socks5h://127.0.0.1:${flaky.port}" }
targets:
${targets}
`)}`], cleanEnv())
  })
  afterAll(async () => {
    await cli?.stop()
    await Promise.all([target, socks, flaky].map((s) => s?.close()))
  })

  it('lives, escapes nothing, and measures the tunnel\'s success share near two thirds', async () => {
    const until = Date.now() + 60_000
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 5000))
      expect(cli.child.exitCode).toBeNull()
    }
    const text = await waitFor(async () => await (await fetch(`${cli.base}/metrics`)).text(), (t) => t.includes('egress_probes_total'), 5000, '/metrics')
    const count = (result: RegExp): number => [...text.matchAll(/^egress_probes_total\{target="[abc]",via="tunnel",result="([a-z_]+)"\} (\d+)$/gm)]
      .filter((m) => result.test(m[1]!)).reduce((sum, m) => sum + Number(m[2]), 0)
    const ok = count(/^success$/)
    const failed = count(/^(?!success$)/)
    const share = ok / (ok + failed)
    console.log(`soak: ${ok + failed} probes through the tunnel, ${(share * 100).toFixed(1)} % succeeded; ${flaky.connections()} connections, ${flaky.resets()} reset`)
    expect(ok + failed).toBeGreaterThan(100)
    // Re-checks go through the same forwarder and take their turns among the resets, so the
    // share of scheduled probes is near, not exactly, two thirds.
    expect(share).toBeGreaterThan(0.5)
    expect(share).toBeLessThan(0.8)
    expect(count(/^(?!success$|proxy_rejected$)/)).toBe(0)
    expect(text).toMatch(/^egress_prober_escaped_errors_total 0$/m)
    expect(cli.logs()).not.toMatch(/escaped every handler|Unhandled/)
  }, 120_000)
})
