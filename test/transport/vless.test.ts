/**
 * VLESS links and the framing's edge cases that the fault matrix does not cover: the parser's
 * refusals (one line, no secret), a REALITY link refused as a path, and response headers with
 * addons (skipped whole, also the largest a byte can announce).
 */
import { describe, expect, it } from 'vitest'
import { parseVlessLink } from '../../src/config/vless-link.js'
import { ConfigError } from '../../src/config/errors.js'
import { startHostile, OK, type Reply } from '../helpers/hostile.js'
import { configFrom, probeAll } from '../helpers/probe.js'

const ID = 'b831381d-6324-4d53-ad4f-8cda48b30811'
const REALITY = `vless://${ID}@vpn.example.test:443?security=reality&sni=www.example.com&pbk=SECRETPUBLICKEY&sid=abcd1234&type=tcp&flow=xtls-rprx-vision&fp=chrome#nl-1`

describe('vless:// links', () => {
  it('parses a REALITY link, keeping its secrets out of the redacted form', () => {
    const l = parseVlessLink(REALITY)
    if (typeof l === 'string') throw new Error(l)
    expect({ host: l.host, port: l.port, security: l.security, network: l.network, sni: l.sni, flow: l.flow, label: l.label }).toEqual({
      host: 'vpn.example.test', port: 443, security: 'reality', network: 'tcp', sni: 'www.example.com', flow: 'xtls-rprx-vision', label: 'nl-1',
    })
    expect(l.id.toString('hex')).toBe(ID.replace(/-/g, ''))
    expect(l.redacted).not.toMatch(new RegExp(`${ID}|SECRETPUBLICKEY|abcd1234`))
  })

  it.each([
    [`vless://${ID}@h:443?type=grpc`, 'unsupported vless:// transport type "grpc" (use tcp or ws)'],
    [`vless://${ID}@h:443?security=xtls`, 'unsupported vless:// security "xtls" (use none, tls or reality)'],
    [`vless://${ID}@h:443?mode=multi`, 'unsupported vless:// option "mode"'],
    ['vless://not-a-uuid@h:443', 'the id of a vless:// link must be a UUID'],
    [`vless://${ID}@h`, 'a vless:// link needs host:port'],
    [`vless://${ID}@h:443?security=reality&sid=abcd1234`, 'a REALITY link needs pbk'],
  ])('%s is refused: %s', (link, problem) => {
    const r = parseVlessLink(link)
    expect(typeof r === 'string' ? r : 'parsed').toContain(problem)
  })

  it('a REALITY link as a path is refused at load, naming REALITY and no secret', () => {
    try {
      configFrom(`proxies: { nl: "${REALITY}" }\ntargets: [{ name: a, url: "http://127.0.0.1:1/", via: [nl] }]`)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      const text = (err as Error).message
      expect(text).toContain('proxies.nl: a REALITY link cannot be a path')
      expect(text).not.toMatch(new RegExp(`${ID}|SECRETPUBLICKEY|abcd1234`))
    }
  })
})

describe('VLESS response headers from hostile servers', () => {
  const probe = async (reply: Reply): Promise<{ reason: string, connections: number }> => {
    const peer = await startHostile([reply])
    try {
      const r = (await probeAll(`proxies: { v: "vless://${ID}@127.0.0.1:${peer.port}?type=tcp" }\ntargets: [{ name: t, url: "http://target.test/", via: [v], timeout: 1s, interval: 5s }]`))['t/v']!
      return { reason: r.success ? 'success' : r.reason!, connections: peer.connections() }
    } finally { await peer.close() }
  }

  it('addons of the largest size a byte announces are skipped, then the answer is read', async () => {
    expect(await probe(Buffer.concat([Buffer.from([0, 255]), Buffer.alloc(255, 7), Buffer.from(OK)]))).toEqual({ reason: 'success', connections: 1 })
  })

  it('a huge addons length with fewer bytes, then a close: the tunnel carried nothing', async () => {
    expect(await probe((s) => { s.end(Buffer.concat([Buffer.from([0, 255]), Buffer.alloc(100)])) })).toEqual({ reason: 'tunnel_broken', connections: 1 })
  })

  it('a wrong version byte: the proxy\'s fault', async () => {
    expect(await probe(Buffer.from([1, 0]))).toEqual({ reason: 'proxy_rejected', connections: 1 })
  })
})

describe('a REALITY upstream', () => {
  it('its hop probes run against a TLS listener (the camouflage answers; not verified), and its secrets show nowhere', async () => {
    const { startTarget } = await import('../helpers/target-server.js')
    const { startApp } = await import('../helpers/app.js')
    const { probeUpstream } = await import('../../src/probes/hops.js')
    const { testDeps } = await import('../helpers/probe.js')
    const camouflage = await startTarget({ tls: true })
    const link = REALITY.replace('vpn.example.test:443', `127.0.0.1:${camouflage.port}`)
    try {
      const parsed = parseVlessLink(link)
      if (typeof parsed === 'string') throw new Error(parsed)
      const hops = await probeUpstream(parsed, testDeps(), 2000)
      expect({ tcp: hops.tcp.ok, tls: hops.tls?.ok }).toEqual({ tcp: true, tls: true })
      const app = await startApp(`proxies: { socks: { url: "socks5h://127.0.0.1:1", upstream: "${link}" } }
targets: [{ name: a, url: "${camouflage.url('/')}", via: [direct, socks] }]`)
      try {
        await app.prober.runOnce()
        const shown = [await app.scrape(), await (await fetch(`${app.base}/api/status`)).text(), await (await fetch(`${app.base}/`)).text()].join('\n')
        expect(shown).toContain('egress_upstream_hop_success{via="socks",step="tls"} 1')
        expect(shown).toContain('egress_path_broken_hop{via="socks",hop="sidecar"} 1')
        expect(shown).not.toMatch(new RegExp(`${ID}|SECRETPUBLICKEY|abcd1234`))
      } finally { await app.close() }
    } finally { await camouflage.close() }
  })
})
