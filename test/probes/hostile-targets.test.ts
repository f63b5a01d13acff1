/**
 * Targets and IP-echo services that answer wrong, probed directly: each ends within its
 * deadline with the reason a user would expect, after one connection, with our own one-line
 * message (never a library's assertion text).
 */
import { afterAll, expect, it } from 'vitest'
import { drip, flood, OK, startHostile, type HostilePeer, type Reply } from '../helpers/hostile.js'
import { probeAll } from '../helpers/probe.js'
import { testCerts } from '../helpers/certs.js'

const peers: HostilePeer[] = []
afterAll(async () => { await Promise.all(peers.map((p) => p.close())) })

async function probe (replies: Reply[], opts: { scheme?: 'http' | 'https', kind?: 'egress_ip', greeting?: Reply } = {}) {
  const peer = await startHostile(replies, opts.greeting === undefined ? {} : { greeting: opts.greeting })
  peers.push(peer)
  const url = `${opts.scheme ?? 'http'}://127.0.0.1:${peer.port}/`
  const tls = `tls: { ca_file: "${testCerts().caFile}" }`
  const yaml = opts.kind === 'egress_ip'
    ? `egress_ip: { url: "${url}", via: [direct], timeout: 1s, interval: 5s }`
    : `targets: [{ name: t, url: "${url}", via: [direct], timeout: 1s, interval: 5s, ${tls} }]`
  const started = Date.now()
  const r = (await probeAll(yaml))[`${opts.kind ?? 't'}/direct`]!
  expect(r.message).not.toMatch(/\n|assert|undici|Error:/i)
  expect(peer.connections()).toBe(1)
  expect(Date.now() - started).toBeLessThan(3000) // deadline 1 s, room for a loaded machine
  return r
}

const answer = (head: string, body = 'ok\n'): string => `${head}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`

const cases: { name: string, replies: Reply[], reason: string, greeting?: Reply }[] = [
  { name: 'status 000', replies: [answer('HTTP/1.1 000 Zero')], reason: 'invalid_response' },
  { name: 'status 099', replies: [answer('HTTP/1.1 099 Low')], reason: 'invalid_response' },
  { name: 'status 1000', replies: [answer('HTTP/1.1 1000 High')], reason: 'invalid_response' },
  { name: 'a 1 MB header', replies: [(s) => { s.write('HTTP/1.1 200 OK\r\nX-Big: '); flood('a', 1 << 20)(s) }], reason: 'too_large' },
  { name: 'header lines dripping forever', replies: [(s) => { s.write('HTTP/1.1 200 OK\r\n'); drip('X-A: b\r\n', 100)(s) }], reason: 'timeout' },
  { name: 'bytes before the request (a banner)', replies: [], greeting: 'SSH-2.0-OpenSSH_9.2\r\n', reason: 'invalid_response' },
  { name: 'a reset in the middle of the body', replies: [(s) => { s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'); setTimeout(() => s.resetAndDestroy(), 20) }], reason: 'reset' },
  { name: 'closed before any answer', replies: ['close'], reason: 'reset' },
  { name: 'bad chunked encoding', replies: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnope\r\n0\r\n\r\n'], reason: 'invalid_response' },
  { name: 'a 101 Switching Protocols nobody asked for', replies: ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n'], reason: 'invalid_response' },
]

it.each(cases)('$name → $reason', async (c) => {
  const r = await probe(c.replies, c.greeting === undefined ? {} : { greeting: c.greeting })
  expect({ success: r.success, reason: r.reason }).toEqual({ success: false, reason: c.reason })
})

it('an unsolicited 100 Continue before a valid 200 is ignored (RFC 9110 §15.2)', async () => {
  const r = await probe(['HTTP/1.1 100 Continue\r\n\r\n' + OK])
  expect({ success: r.success, status: r.statusCode }).toEqual({ success: true, status: 200 })
})

it('interim answers in separate writes, 103 Early Hints among them, are ignored too', async () => {
  const r = await probe([(s) => {
    s.write('HTTP/1.1 100 Cont')
    setTimeout(() => s.write('inue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n'), 20)
    setTimeout(() => s.end(OK), 40)
  }])
  expect({ success: r.success, status: r.statusCode }).toEqual({ success: true, status: 200 })
})

it('a TLS server that never finishes the handshake → timeout within the deadline', async () => {
  const r = await probe([], { scheme: 'https' })
  expect({ success: r.success, reason: r.reason, message: r.message }).toEqual({ success: false, reason: 'timeout', message: 'deadline exceeded during tls' })
})

const echo = (body: string): Reply[] => [answer('HTTP/1.1 200 OK', body)]

it.each([
  ['an IPv6 zone', 'fe80::1%eth0'],
  ['an IPv6 zone in JSON', '{"ip":"fe80::1%25anything-at-all"}'],
  ['a huge zone', `fe80::1%${'x'.repeat(10_000)}`],
  ['a bracketed literal', '[::1]'],
  ['a host name', 'localhost'],
  ['an IP with a port', '127.0.0.1:80'],
  ['a JSON ip that is a number', '{"ip":2130706433}'],
])('an IP-echo answer with %s is invalid_response, never a label', async (_name, body) => {
  const r = await probe(echo(body), { kind: 'egress_ip' })
  expect({ success: r.success, reason: r.reason, egressIp: r.egressIp }).toEqual({ success: false, reason: 'invalid_response', egressIp: undefined })
})

it.each([
  ['::ffff:127.0.0.2', '127.0.0.2'],
  ['::FFFF:7F00:2', '127.0.0.2'],
  ['{"ip":"2001:DB8:0:0:0:0:0:1"}', '2001:db8::1'],
  [' 127.0.0.2\n', '127.0.0.2'],
])('the IP-echo answer %j is kept as %s', async (body, ip) => {
  const r = await probe(echo(body), { kind: 'egress_ip' })
  expect({ success: r.success, egressIp: r.egressIp }).toEqual({ success: true, egressIp: ip })
})

it('an IP-echo answer of 1 MB is too_large (an IP-echo body is bounded at 64 KiB by default)', async () => {
  const r = await probe([answer('HTTP/1.1 200 OK', 'a'.repeat(1 << 20))], { kind: 'egress_ip' })
  expect({ success: r.success, reason: r.reason }).toEqual({ success: false, reason: 'too_large' })
})
