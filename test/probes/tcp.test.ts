/** kind: tcp through every path: connect, send, match a banner, TLS; the reasons when it goes wrong. */
import net from 'node:net'
import tls from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testCerts } from '../helpers/certs.js'
import { closedPort, closeServer, listen, startRawServer, trackSockets } from '../helpers/net.js'
import { probeAll } from '../helpers/probe.js'
import { startConnectProxy, startSocksProxy, type TestProxy } from '../helpers/proxies.js'

type Raw = Awaited<ReturnType<typeof startRawServer>>
let ssh: Raw, redis: Raw, silent: Raw, socks: TestProxy, connect: TestProxy
let tlsServer: net.Server, tlsPort: number, tlsSockets: Set<net.Socket>
const remotes: string[] = []

beforeAll(async () => {
  [ssh, redis, silent, socks, connect] = await Promise.all([
    // Speaks first, as SSH and SMTP do.
    startRawServer((s) => { remotes.push(s.remoteAddress ?? ''); s.write('SSH-2.0-OpenSSH_9.6 test\r\n') }),
    // Answers what it is sent, as Redis does.
    startRawServer((s) => { s.on('data', (d) => { if (d.toString() === 'PING\r\n') s.write('+PONG\r\n') }) }),
    startRawServer(() => {}),
    startSocksProxy(),
    startConnectProxy(),
  ])
  tlsServer = tls.createServer({ key: testCerts().key, cert: testCerts().cert }, (s) => { s.on('error', () => {}); s.write('220 mail.test ESMTP\r\n') })
  tlsSockets = trackSockets(tlsServer)
  tlsPort = await listen(tlsServer)
})
afterAll(async () => {
  await Promise.all([ssh, redis, silent, socks, connect].map((s) => s.close()))
  await closeServer(tlsServer, tlsSockets)
})

const config = (target: string): string => `
proxies: { socks: "${socks.url}", http: "${connect.url}" }
targets:
${target}
`

describe('kind: tcp through direct, SOCKS5 and HTTP CONNECT', () => {
  it('matches the banner a server sends first; through a proxy the server sees the proxy\'s egress', async () => {
    remotes.length = 0
    const r = await probeAll(config(`  - { name: ssh, kind: tcp, url: "tcp://ssh.test:${ssh.port}", timeout: 5s, expect: { banner: "^SSH-2\\\\.0-" } }`))
    for (const via of ['direct', 'socks', 'http']) {
      const t = r[`ssh/${via}`]!
      expect(t, via).toMatchObject({ success: true, kind: 'tcp', message: 'banner matched', statusCode: 0 })
      expect(t.bodyBytes, via).toBeGreaterThan(0)
      expect(t.phases.proxy > 0, `${via} proxy phase`).toBe(via !== 'direct')
      expect(t.phases.connect, via).toBeGreaterThan(0)
    }
    expect(remotes.sort()).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.2'])
  })

  it('sends `send:` and matches the answer', async () => {
    const r = await probeAll(config(`  - { name: redis, kind: tcp, url: "tcp://127.0.0.1:${redis.port}", timeout: 5s, send: "PING\\r\\n", expect: { banner: "^\\\\+PONG" } }`))
    for (const via of ['direct', 'socks', 'http']) expect(r[`redis/${via}`], via).toMatchObject({ success: true })
  })

  it('connects only, without send or expect', async () => {
    const r = await probeAll(config(`  - { name: port, kind: tcp, url: "tcp://127.0.0.1:${silent.port}", timeout: 5s }`))
    for (const via of ['direct', 'socks', 'http']) expect(r[`port/${via}`], via).toMatchObject({ success: true, message: 'connected' })
  })

  it('speaks TLS with the target for tls:// and keeps its certificate facts', async () => {
    const r = await probeAll(config(`  - { name: smtps, kind: tcp, url: "tls://localhost:${tlsPort}", timeout: 5s, tls: { ca_file: "${testCerts().caFile}" }, expect: { banner: "^220 " } }`))
    for (const via of ['direct', 'socks', 'http']) {
      const t = r[`smtps/${via}`]!
      expect(t, via).toMatchObject({ success: true })
      expect(t.phases.tls, via).toBeGreaterThan(0)
      expect(t.tls?.leaf.subject, via).toBeDefined()
    }
  })

  it('a banner that does not match → body_mismatch; a silent server → timeout; a closed port → connect_refused (direct)', async () => {
    const closed = await closedPort()
    const r = await probeAll(config(`
  - { name: wrong, kind: tcp, url: "tcp://127.0.0.1:${ssh.port}", timeout: 1s, expect: { banner: "^220 " } }
  - { name: mute, kind: tcp, url: "tcp://127.0.0.1:${silent.port}", timeout: 600ms, expect: { banner: "x" } }
  - { name: closed, kind: tcp, url: "tcp://127.0.0.1:${closed}", timeout: 5s, via: [direct] }`))
    for (const via of ['direct', 'socks', 'http']) {
      expect(r[`wrong/${via}`], via).toMatchObject({ success: false, reason: 'body_mismatch' })
      expect(r[`mute/${via}`], via).toMatchObject({ success: false, reason: 'timeout' })
    }
    expect(r['closed/direct']).toMatchObject({ success: false, reason: 'connect_refused' })
  })

  it('a server that closes before any byte: reset on the direct path, tunnel_broken through a proxy', async () => {
    const closer = await startRawServer((s) => { s.end() })
    try {
      const r = await probeAll(config(`  - { name: closer, kind: tcp, url: "tcp://127.0.0.1:${closer.port}", timeout: 5s, expect: { banner: "x" } }`))
      expect(r['closer/direct']).toMatchObject({ success: false, reason: 'reset' })
      expect(r['closer/socks']).toMatchObject({ success: false, reason: 'tunnel_broken' })
      expect(r['closer/http']).toMatchObject({ success: false, reason: 'tunnel_broken' })
    } finally { await closer.close() }
  })

  it('matches line by line, as blackbox does: a later line matches, and a pattern spanning two lines does not', async () => {
    const smtp = await startRawServer((s) => { s.write('220-mail.test greets\r\n'); setTimeout(() => s.write('220 ready\r\n'), 20) })
    try {
      const r = await probeAll(config(`
  - { name: later, kind: tcp, url: "tcp://127.0.0.1:${smtp.port}", via: [direct], timeout: 5s, expect: { banner: "^220 ready$" } }
  - { name: spanning, kind: tcp, url: "tcp://127.0.0.1:${smtp.port}", via: [direct], timeout: 1s, expect: { banner: "greets\\\\s+220" } }`))
      expect(r['later/direct']).toMatchObject({ success: true })
      expect(r['spanning/direct']).toMatchObject({ success: false, reason: 'body_mismatch' })
    } finally { await smtp.close() }
  })

  it('reads at most max_read_bytes looking for the banner', async () => {
    const flood = await startRawServer((s) => { s.write(Buffer.alloc(64 * 1024, 'a')) })
    try {
      const r = await probeAll(config(`  - { name: flood, kind: tcp, url: "tcp://127.0.0.1:${flood.port}", via: [direct], timeout: 5s, max_read_bytes: 100, expect: { banner: "b" } }`))
      expect(r['flood/direct']).toMatchObject({ success: false, reason: 'body_mismatch', bodyBytes: 100 })
    } finally { await flood.close() }
  })
})
