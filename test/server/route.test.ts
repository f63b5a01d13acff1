/**
 * Route advice and the PAC file, against a loopback lab where the direct path is firewalled (the
 * target closes connections from 127.0.0.1); the SOCKS proxy leaves from 127.0.0.2, the HTTP one
 * from 127.0.0.3, so the target sees which one carried a request. The PAC file
 * is evaluated by a real PAC engine (pac-resolver) and followed by a real client
 * (pac-proxy-agent): when the path in use dies, the next request takes the next one.
 */
import http from 'node:http'
import { createPacResolver } from 'pac-resolver'
import { PacProxyAgent } from 'pac-proxy-agent'
import { QuickJS } from 'quickjs-wasi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let web: TargetServer, socks: TestProxy, connect: TestProxy, app: TestApp
let walled: string

beforeAll(async () => {
  web = await startTarget()
  socks = await startSocksProxy({ egress: '127.0.0.2' })
  connect = await startConnectProxy({ egress: '127.0.0.3' })
  walled = `http://localhost:${web.port}/?deny=127.0.0.1`
  app = await startApp(`
proxies: { socks: "${socks.url}", http: "${connect.url}" }
targets:
  - { name: api, url: "${walled}", via: [direct, socks, http] }
  - { name: open, url: "${web.url('/')}", via: [direct] }
`)
  await app.prober.runOnce()
})
afterAll(async () => {
  await app.close()
  await Promise.all([web, socks, connect].map((s) => s.close()))
})

interface Advice { host: string, targets: string[], use: string | null, fallbacks: string[], paths: { via: string, ok?: boolean, reasons?: string[] }[], verdicts: Record<string, string> }
const route = async (host: string): Promise<Advice> => await (await fetch(`${app.base}/api/route?host=${encodeURIComponent(host)}`)).json() as Advice

describe('/api/route', () => {
  it('names a working proxy for a host whose direct path is blocked, with the others as fallbacks and why', async () => {
    const advice = await route('LOCALHOST')
    expect(advice).toMatchObject({ host: 'localhost', targets: ['api'], verdicts: { api: 'direct_blocked' } })
    expect(['socks', 'http']).toContain(advice.use)
    expect(advice.fallbacks).toEqual([advice.use === 'socks' ? 'http' : 'socks', 'direct'])
    expect(advice.paths.at(-1)).toMatchObject({ via: 'direct', ok: false })
    expect(advice.paths.at(-1)?.reasons?.length).toBe(1)
  })

  it('sends hosts nobody configured direct, and refuses what is not a host name', async () => {
    expect(await route('example.test')).toMatchObject({ targets: [], use: 'direct', fallbacks: [] })
    for (const bad of ['a b', 'x'.repeat(254), '<script>']) {
      const res = await fetch(`${app.base}/api/route?host=${encodeURIComponent(bad)}`)
      expect(res.status).toBe(400)
    }
    expect((await fetch(`${app.base}/api/route`)).status).toBe(400)
  })
})

describe('/proxy.pac', () => {
  it('a PAC engine sends the configured host through the working proxies, then DIRECT; other hosts DIRECT', async () => {
    const res = await fetch(`${app.base}/proxy.pac`)
    expect(res.headers.get('content-type')).toContain('application/x-ns-proxy-autoconfig')
    const find = createPacResolver(await QuickJS.create(), await res.text())
    const chain = await find(walled)
    const tokens = { socks: `SOCKS5 127.0.0.1:${socks.port}`, http: `PROXY 127.0.0.1:${connect.port}` }
    const use = (await route('localhost')).use as 'socks' | 'http'
    expect(chain).toBe(`${tokens[use]}; ${tokens[use === 'socks' ? 'http' : 'socks']}; DIRECT`)
    expect(await find('http://example.test/')).toBe('DIRECT')
    expect(await find(web.url('/'))).toBe('DIRECT') // 127.0.0.1: direct works
  })

  it('a client that follows it (pac-proxy-agent) takes the next path once the one in use dies', async () => {
    const get = async (): Promise<number> => await new Promise((resolve, reject) => {
      http.get(walled, { agent: new PacProxyAgent(`pac+${app.base}/proxy.pac`) }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) }).on('error', reject)
    })
    const first = (await route('localhost')).use as 'socks' | 'http'
    const [dying, next] = first === 'socks' ? [socks, connect] : [connect, socks]
    // Requests that reached the target through each proxy (each leaves from its own address).
    const seen = (p: TestProxy): number => web.hits.filter((h) => h.remote === p.egress && h.answered).length
    const before = { dying: seen(dying), next: seen(next) }
    expect(await get()).toBe(200)
    expect(seen(dying)).toBeGreaterThan(before.dying)

    await dying.close()
    await app.prober.probe(app.prober.job('api', first)!) // the prober sees the path die
    expect((await route('localhost')).use).toBe(first === 'socks' ? 'http' : 'socks')
    const nextBefore = seen(next)
    expect(await get()).toBe(200)
    expect(seen(next)).toBeGreaterThan(nextBefore)
  })
})

describe('/api/route judges a path by its own faults, in the configured order', () => {
  let lab: TestApp, socks: TestProxy, connect: TestProxy
  beforeAll(async () => { [socks, connect] = await Promise.all([startSocksProxy(), startConnectProxy()]) })
  afterAll(async () => {
    await lab?.close()
    await Promise.all([socks.close(), connect.close()])
  })

  it('a 404 target beside a working API keeps the host routable; the via order is the preference', async () => {
    lab = await startApp(`
proxies: { socks: "${socks.url}", http: "${connect.url}" }
targets:
  - { name: works, url: "${web.url('/')}", via: [socks, http, direct] }
  - { name: gone, url: "${web.url('/?status=404')}", via: [socks, http, direct], expect: { status: [200] } }
`)
    await lab.prober.runOnce()
    const advice = await (await fetch(`${lab.base}/api/route?host=127.0.0.1`)).json() as Advice
    // Every path answered 404 for `gone`: an answer, the same everywhere, says nothing about a path.
    expect(advice).toMatchObject({ use: 'socks', fallbacks: ['http', 'direct'] })
    expect(advice.paths.map((p) => p.ok)).toEqual([true, true, true])
    expect(advice.verdicts).toEqual({ works: 'ok', gone: 'unreachable' })
    const find = createPacResolver(await QuickJS.create(), await (await fetch(`${lab.base}/proxy.pac`)).text())
    expect(await find(web.url('/'))).toBe(`SOCKS5 127.0.0.1:${socks.port}; PROXY 127.0.0.1:${connect.port}; DIRECT`)
  })

  it('route.prefer: latency puts the fastest working path first', async () => {
    await lab.close()
    lab = await startApp(`
route: { prefer: latency }
proxies: { socks: "${socks.url}", http: "${connect.url}" }
targets:
  - { name: works, url: "${web.url('/')}", via: [socks, http, direct] }
`)
    await lab.prober.runOnce()
    const advice = await (await fetch(`${lab.base}/api/route?host=127.0.0.1`)).json() as Advice & { paths: { via: string, latencySeconds: number }[] }
    const fastest = [...advice.paths].sort((a, b) => a.latencySeconds - b.latencySeconds)[0]!.via
    expect(advice.use).toBe(fastest)
  })
})

describe('host names as clients spell them', () => {
  let lab: TestApp
  beforeAll(async () => {
    lab = await startApp(`
proxies: { socks: "socks5h://127.0.0.1:1080" }
targets:
  - { name: api, url: "http://api.test/", via: [socks, direct] }
  - { name: ip, url: "http://127.0.0.1:1/", via: [socks] }
  - { name: v6, url: "http://[::1]:1/", via: [socks] }
  - { name: idn, url: "http://bücher.test/", via: [socks] }
  - { name: proto, url: "http://__proto__/", via: [socks] }
`)
  })
  afterAll(async () => { await lab.close() })

  it.each([
    ['API.Test.', 'api.test', ['api']],
    ['api.test.', 'api.test', ['api']],
    ['127.1', '127.0.0.1', ['ip']],
    ['0x7f.0.0.1', '127.0.0.1', ['ip']],
    ['[0:0:0:0:0:0:0:1]', '::1', ['v6']],
    ['0:0::1', '::1', ['v6']],
    ['BÜCHER.test', 'xn--bcher-kva.test', ['idn']],
    ['xn--bcher-kva.test', 'xn--bcher-kva.test', ['idn']],
    ['__proto__', '__proto__', ['proto']],
    ['constructor', 'constructor', []],
  ])('/api/route?host=%s is %s', async (asked, host, targets) => {
    const advice = await (await fetch(`${lab.base}/api/route?host=${encodeURIComponent(asked)}`)).json() as Advice
    expect({ host: advice.host, targets: advice.targets }).toEqual({ host, targets })
  })

  it('the PAC file routes the same spellings, __proto__ included; nothing else of Object\'s', async () => {
    const find = createPacResolver(await QuickJS.create(), await (await fetch(`${lab.base}/proxy.pac`)).text())
    const socks = 'SOCKS5 127.0.0.1:1080'
    expect(await find('http://api.test./')).toBe(`${socks}; DIRECT`)
    expect(await find('http://API.TEST/')).toBe(`${socks}; DIRECT`)
    expect(await find('http://__proto__/')).toBe(socks)
    expect(await find('http://xn--bcher-kva.test/')).toBe(socks)
    expect(await find('http://constructor/')).toBe('DIRECT')
    expect(await find('http://tostring/')).toBe('DIRECT')
  })
})
