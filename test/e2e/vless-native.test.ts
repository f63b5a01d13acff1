/**
 * The native VLESS transport (`vless://` in `proxies:`) against Debian's real v2ray server, over
 * TCP+TLS, WebSocket+TLS and plain TCP: a second path straight to the server, bypassing the
 * sidecar. The target sees the server's egress (127.0.0.2); a wrong id fails after one
 * connection with a reason that blames the proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testCerts } from '../helpers/certs.js'
import { startFlakyForwarder, type FlakyForwarder } from '../helpers/flaky-forwarder.js'
import { probeAll } from '../helpers/probe.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { requireTools } from '../helpers/tools.js'
import { LAB_UUID, V2rayLab } from './v2ray-lab.js'

const enabled = requireTools('v2ray')

describe.skipIf(!enabled)('native VLESS paths through the real v2ray server', () => {
  let lab: V2rayLab, web: TargetServer, webTls: TargetServer, counting: FlakyForwarder
  beforeAll(async () => {
    lab = await V2rayLab.create()
    await lab.startServer()
    ;[web, webTls] = await Promise.all([startTarget(), startTarget({ tls: true })])
    // Counts connections to the plain inbound (it never resets: every 10^9th).
    counting = await startFlakyForwarder({ port: lab.ports.serverPlain }, 1e9)
  }, 60_000)
  afterAll(async () => { await Promise.all([lab?.close(), web?.close(), webTls?.close(), counting?.close()]) })

  const config = (id = LAB_UUID): string => {
    const ca = testCerts().caFile
    const p = lab.ports
    return `proxies:
  v_tls: { url: "vless://${id}@127.0.0.1:${p.server}?security=tls&sni=localhost&type=tcp#nl-1", tls: { ca_file: "${ca}" } }
  v_ws: { url: "vless://${id}@127.0.0.1:${p.serverWs}?security=tls&sni=localhost&type=ws&path=%2Fvl", tls: { ca_file: "${ca}" } }
  v_plain: "vless://${id}@127.0.0.1:${counting.port}?type=tcp"
egress_ip: { url: "${web.url('/ip')}", via: [direct, v_tls, v_ws, v_plain] }
targets:
  - { name: web, url: "${web.url('/')}", via: [v_tls, v_ws, v_plain] }
  - { name: web_tls, url: "${webTls.url('/')}", via: [v_tls, v_ws, v_plain], tls: { ca_file: "${ca}" } }
`
  }

  it('succeeds over TCP+TLS, WebSocket+TLS and plain TCP, leaving from the server\'s egress', async () => {
    const r = await probeAll(config())
    for (const via of ['v_tls', 'v_ws', 'v_plain']) {
      for (const target of ['egress_ip', 'web', 'web_tls']) expect({ pair: `${target}/${via}`, success: r[`${target}/${via}`]!.success, message: r[`${target}/${via}`]!.message }).toMatchObject({ success: true })
      expect(r[`egress_ip/${via}`]!.egressIp).toBe('127.0.0.2')
      expect(r[`web/${via}`]!.phases.proxy).toBeGreaterThan(0)
    }
    expect(r['egress_ip/direct']!.egressIp).toBe('127.0.0.1')
  }, 60_000)

  it('a wrong id: a reason that blames the proxy, after one connection, the id nowhere in the message', async () => {
    const wrong = '00000000-0000-4000-8000-000000000000'
    const before = counting.connections()
    const r = await probeAll(config(wrong).replace(/v_tls: .*\n|v_ws: .*\n/g, '').replace(/, v_tls, v_ws/g, '').replace(/via: \[v_tls, v_ws, v_plain\]/g, 'via: [v_plain]'))
    expect({ success: r['web/v_plain']!.success, reason: r['web/v_plain']!.reason }).toEqual({ success: false, reason: 'tunnel_broken' })
    expect(counting.connections() - before).toBe(3) // egress_ip, web, web_tls: one connection each
    expect(JSON.stringify(r)).not.toContain(wrong)
  }, 60_000)
})
