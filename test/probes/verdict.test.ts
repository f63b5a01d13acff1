/** Each verdict, produced by real servers and proxies, as /metrics shows it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verdictOf } from '../../src/probes/verdict.js'
import { series, startApp, type TestApp } from '../helpers/app.js'
import { closedPort } from '../helpers/net.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let target: TargetServer, socks: TestProxy, http: TestProxy, app: TestApp, dead: number

const verdicts = async (): Promise<Record<string, string>> => {
  const lines = series(await app.scrape(), 'egress_target_verdict').filter((l) => l.endsWith(' 1'))
  return Object.fromEntries(lines.map((l) => /target="([^"]+)",verdict="([^"]+)"/.exec(l)!.slice(1, 3) as [string, string]))
}

beforeAll(async () => {
  [target, socks, http] = await Promise.all([startTarget(), startSocksProxy(), startConnectProxy()])
  dead = await closedPort()
  app = await startApp(`
proxies: { socks: "${socks.url}", http: "${http.url}" }
targets:
  - { name: healthy, url: "${target.url('/')}" }
  # Refuses connections from the local IP, serves the tunnel's: a blocked network.
  - { name: blocked_here, url: "${target.url('/?deny=127.0.0.1')}" }
  - { name: down, url: "http://127.0.0.1:${dead}/" }
  - { name: proxies_only, url: "${target.url('/')}", via: [socks, http] }
`)
})
afterAll(async () => {
  await app.close()
  await Promise.all([target, socks, http].map((s) => s.close()))
})

describe('verdicts', () => {
  it('is unknown before every via has a result', async () => {
    expect((await verdicts()).healthy).toBe('unknown')
  })

  it('says ok, direct_blocked and unreachable while both proxies work', async () => {
    await app.prober.runOnce()
    expect(await verdicts()).toEqual({ healthy: 'ok', blocked_here: 'direct_blocked', down: 'unreachable', proxies_only: 'ok' })
    const text = await app.scrape()
    expect(text).toContain('egress_target_verdict{target="healthy",verdict="proxy_broken"} 0')
    expect(text).toContain('egress_probe_failure_reason{target="blocked_here",via="direct",reason="reset"} 1')
  })

  it('says proxy_degraded when one proxy stops, proxy_broken when both do', async () => {
    await socks.close()
    await app.prober.runOnce()
    expect(await verdicts()).toMatchObject({ healthy: 'proxy_degraded', blocked_here: 'proxy_degraded', proxies_only: 'proxy_degraded' })
    expect(await app.scrape()).toContain('egress_proxy_up{via="socks"} 0')
    await http.close()
    await app.prober.runOnce()
    expect(await verdicts()).toEqual({ healthy: 'proxy_broken', blocked_here: 'unreachable', down: 'unreachable', proxies_only: 'unreachable' })
  })
})

it.each([
  [{ direct: true, a: true }, 'ok'],
  [{ direct: false, a: true, b: true }, 'direct_blocked'],
  [{ direct: true, a: true, b: false }, 'proxy_degraded'],
  [{ direct: false, a: true, b: false }, 'proxy_degraded'],
  [{ direct: true, a: false, b: false }, 'proxy_broken'],
  [{ direct: false, a: false }, 'unreachable'],
  [{ a: true, b: false }, 'proxy_degraded'],
  [{ a: false, b: false }, 'unreachable'],
  [{ direct: true, a: undefined }, 'unknown'],
  [{}, 'unknown'],
])('verdictOf(%j) = %s', (outcomes, verdict) => {
  expect(verdictOf(outcomes)).toBe(verdict)
})
