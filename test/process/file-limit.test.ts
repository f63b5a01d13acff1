/**
 * Out of file descriptors, the prober blames itself, never a target or a proxy: run as a user
 * would hit it, the built CLI under `prlimit --nofile=256:256` with more probes at once than
 * descriptors, then 300 idle clients on its port.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileLimit, raiseFileLimit, webConnectionLimit } from '../../src/process/file-limit.js'
import { cleanEnv, startCli, type RunningCli } from '../helpers/cli.js'
import { configFile } from '../helpers/config-file.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { requireTools } from '../helpers/tools.js'
import { waitFor } from '../helpers/wait.js'

const LIMITS = (soft: string, hard: string): string => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 ${hard}                files\n`

describe('the open-files limit', () => {
  it('is read from /proc/self/limits, unlimited capped', () => {
    expect(fileLimit(() => LIMITS('1024', '524288'))).toEqual({ soft: 1024, hard: 524288 })
    expect(fileLimit(() => LIMITS('1024', 'unlimited'))).toEqual({ soft: 1024, hard: 1 << 20 })
    expect(fileLimit(() => { throw new Error('no /proc') })).toBeUndefined()
  })

  it('is raised to the hard limit with prlimit, and left alone when it cannot be', () => {
    let text = LIMITS('1024', '4096')
    const calls: string[][] = []
    const raised = raiseFileLimit((file, args) => { calls.push([file, ...args]); text = LIMITS('4096', '4096') }, () => text)
    expect(raised).toEqual({ before: { soft: 1024, hard: 4096 }, after: { soft: 4096, hard: 4096 } })
    expect(calls).toEqual([['prlimit', '--pid', String(process.pid), '--nofile=4096:']])
    const failed = raiseFileLimit(() => { throw new Error('ENOENT') }, () => LIMITS('1024', '4096'))
    expect(failed?.after).toEqual({ soft: 1024, hard: 4096 })
  })

  it('bounds the web server well below it', () => {
    expect([256, 1024, 1 << 20].map(webConnectionLimit)).toEqual([64, 256, 512])
  })
})

describe('a prober out of file descriptors', () => {
  const ok = requireTools('prlimit')
  let target: TargetServer, socks: TestProxy, cli: RunningCli
  beforeAll(async () => {
    if (!ok) return
    [target, socks] = await Promise.all([startTarget(), startSocksProxy()])
    // 200 targets on two paths, spread over a 10 s interval, each answer held 8 s: about 320
    // connections open at once, 256 descriptors allowed.
    const targets = Array.from({ length: 200 }, (_, i) => `  - { name: t${i}, url: "${target.url(`/?delay=8000&n=${i}`)}" }`).join('\n')
    const file = configFile('fds.yml', `listen: 127.0.0.1:0
max_concurrent_probes: 500
defaults: { interval: 10s, timeout: 9500ms }
proxies: { socks: "${socks.url}" }
targets:
${targets}
`)
    cli = await startCli([`--config.file=${file}`], cleanEnv(), ['prlimit', '--nofile=256:256'])
  })
  afterAll(async () => {
    await cli?.stop()
    await Promise.all([target, socks].map((s) => s?.close()))
  })

  it.skipIf(!ok)('blames itself: local_resource counted and logged, no target or proxy blamed', async () => {
    const metrics = async (): Promise<string> => await (await fetch(`${cli.base}/metrics`)).text()
    // Every probe of the round has ended: measured ones have a series, the others were counted.
    const counted = (text: string): { measured: number, local: number } => ({
      measured: text.match(/^egress_probe_success\{/gm)?.length ?? 0,
      local: Number(/^egress_prober_local_errors_total (\d+)/m.exec(text)?.[1] ?? 0),
    })
    const text = await waitFor(metrics, (t) => { const c = counted(t); return c.measured + c.local >= 400 && c.local > 0 }, 45_000, 'every probe of the round to end')
    expect(text).not.toMatch(/^egress_probe_failure_reason\{/m)
    expect(text).not.toMatch(/^egress_probes_total\{.*result="(?!success)/m)
    expect(text).toMatch(/^egress_proxy_up\{via="socks"\} 1$/m)
    expect(text).toMatch(/^egress_prober_escaped_errors_total 0$/m)
    const notRun = cli.logs().split('\n').filter((l) => l.includes('this machine is out of a local resource'))
    // Once per streak, not once per probe.
    expect(notRun.length).toBeGreaterThan(0)
    expect(notRun.length).toBeLessThan(10)
    expect(notRun[0]).toContain('EMFILE')
  }, 60_000)

  it.skipIf(!ok)('holds at most a bounded number of idle clients, and answers once they leave', async () => {
    const port = Number(new URL(cli.base).port)
    const clients = await Promise.all(Array.from({ length: 300 }, () => new Promise<net.Socket>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port })
      s.on('error', () => {})
      s.once('connect', () => resolve(s))
      s.once('close', () => resolve(s))
    })))
    // Node closes connections beyond maxConnections at once: most of the 300 are gone already.
    await waitFor(async () => clients.filter((s) => !s.destroyed).length, (open) => open <= webConnectionLimit(256), 10_000, 'connections beyond the bound to close')
    for (const s of clients) s.destroy()
    await waitFor(async () => await fetch(`${cli.base}/-/healthy`).then((r) => r.status, () => 0), (status) => status === 200, 10_000, '/-/healthy')
    expect(cli.child.exitCode).toBeNull()
  }, 60_000)
})
