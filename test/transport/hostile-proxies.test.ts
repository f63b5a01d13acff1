/**
 * Proxies that answer wrong: every case ends within its deadline with the reason a user would
 * expect, after exactly ONE connection to the proxy (undici would otherwise dial again and again
 * until the deadline), and leaves no file descriptor behind.
 */
import { afterAll, expect, it } from 'vitest'
import { drip, flood, OK, openFds, socksGrant, SOCKS_NO_AUTH, startHostile, type HostilePeer, type Reply } from '../helpers/hostile.js'
import { probeAll } from '../helpers/probe.js'

const peers: HostilePeer[] = []
let fdsBefore = 0
afterAll(async () => { await Promise.all(peers.map((p) => p.close())) })

interface Case { name: string, scheme: 'socks5' | 'http', replies: Reply[], /** a failure reason, or 'success' */ reason: string, greeting?: Reply }

const cases: Case[] = [
  // SOCKS5
  { name: 'SOCKS: garbage instead of a method choice', scheme: 'socks5', replies: ['HTTP/1.1 400 Bad Request\r\n\r\n'], reason: 'proxy_rejected' },
  { name: 'SOCKS: truncated method choice, then close', scheme: 'socks5', replies: [(s) => { s.end(Buffer.from([5])) }], reason: 'proxy_rejected' },
  { name: 'SOCKS: truncated grant, then close', scheme: 'socks5', replies: [SOCKS_NO_AUTH, (s) => { s.end(Buffer.from([5, 0, 0])) }], reason: 'proxy_rejected' },
  { name: 'SOCKS: wrong version (SOCKS4 reply)', scheme: 'socks5', replies: [Buffer.from([0, 0x5a])], reason: 'proxy_rejected' },
  { name: 'SOCKS: a method we did not offer', scheme: 'socks5', replies: [Buffer.from([5, 0x80])], reason: 'proxy_rejected' },
  { name: 'SOCKS: no acceptable method', scheme: 'socks5', replies: [Buffer.from([5, 0xff])], reason: 'proxy_auth' },
  { name: 'SOCKS: a grant that drips its 255-byte bound name one byte at a time', scheme: 'socks5', replies: [SOCKS_NO_AUTH, (s) => { s.write(Buffer.from([5, 0, 0, 3, 255])); drip('a', 100)(s) }], reason: 'proxy_timeout' },
  { name: 'SOCKS: grant with an invalid address type', scheme: 'socks5', replies: [SOCKS_NO_AUTH, socksGrant(9)], reason: 'proxy_rejected' },
  { name: 'SOCKS: grant with bytes that cannot be the target\'s', scheme: 'socks5', replies: [SOCKS_NO_AUTH, Buffer.concat([socksGrant(), Buffer.from('<html>portal</html>')])], reason: 'proxy_rejected' },
  { name: 'SOCKS: grant with a 255-byte bound name, then a valid tunnel', scheme: 'socks5', replies: [SOCKS_NO_AUTH, socksGrant(3, Buffer.alloc(255, 'a')), OK], reason: 'success' },
  { name: 'SOCKS: grant, then garbage from the tunnel', scheme: 'socks5', replies: [SOCKS_NO_AUTH, socksGrant(), 'SSH-2.0-OpenSSH_9.2\r\n'], reason: 'invalid_response' },
  { name: 'SOCKS: refusal code 2 (ruleset)', scheme: 'socks5', replies: [SOCKS_NO_AUTH, Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])], reason: 'proxy_rejected' },
  // HTTP CONNECT
  { name: 'CONNECT: 200 with a body in the same write (captive portal)', scheme: 'http', replies: ['HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n<html>portal</html>'], reason: 'proxy_rejected' },
  { name: 'CONNECT: 100 Continue, then 200, then a valid tunnel', scheme: 'http', replies: ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Connection established\r\n\r\n', OK], reason: 'success' },
  { name: 'CONNECT: endless header lines', scheme: 'http', replies: [flood('X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 64 * 1024)], reason: 'proxy_rejected' },
  { name: 'CONNECT: headers dripping forever', scheme: 'http', replies: [drip('X-A: b\r\n', 100)], reason: 'proxy_timeout' },
  { name: 'CONNECT: 407 (it would say 407 again to every retry)', scheme: 'http', replies: ['HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n'], reason: 'proxy_auth' },
  { name: 'CONNECT: not HTTP at all', scheme: 'http', replies: ['SSH-2.0-OpenSSH_9.2\r\n\r\n'], reason: 'proxy_rejected' },
  { name: 'CONNECT: status line without a code', scheme: 'http', replies: ['HTTP/1.1 OK\r\n\r\n'], reason: 'proxy_rejected' },
  { name: 'CONNECT: closed without an answer', scheme: 'http', replies: ['close'], reason: 'proxy_rejected' },
  { name: 'CONNECT: granted, then a reset mid-answer', scheme: 'http', replies: ['HTTP/1.1 200 Connection established\r\n\r\n', (s) => { s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'); setTimeout(() => s.resetAndDestroy(), 20) }], reason: 'reset' },
]

it.each(cases)('$name → $reason after one connection', async (c) => {
  if (fdsBefore === 0) fdsBefore = await openFds()
  const peer = await startHostile(c.replies, c.greeting === undefined ? {} : { greeting: c.greeting })
  peers.push(peer)
  const started = Date.now()
  const r = (await probeAll(`proxies: { p: "${c.scheme}://127.0.0.1:${peer.port}" }
targets: [{ name: t, url: "http://hostile.test/", via: [p], timeout: 1s, interval: 5s }]`))['t/p']!
  const elapsed = Date.now() - started
  if (c.reason === 'success') expect({ success: r.success, message: r.message }).toEqual({ success: true, message: 'status 200' })
  else expect({ success: r.success, reason: r.reason }).toEqual({ success: false, reason: c.reason })
  // Our messages: one line, no library internals.
  expect(r.message).not.toMatch(/\n|assert|undici|Error:/i)
  expect(peer.connections()).toBe(1)
  // The deadline is 1 s; 3 s leaves room for a loaded machine and still catches a retry loop.
  expect(elapsed).toBeLessThan(3000)
})

it('leaves no file descriptor behind', async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()))
  await new Promise((resolve) => setTimeout(resolve, 100))
  // One leaked socket per case would be 20 or more.
  expect(await openFds() - fdsBefore).toBeLessThan(5)
})
