/**
 * SOCKS5 CONNECT (RFC 1928, with RFC 1929 username/password) on a connected socket. Written
 * here rather than with the `socks` package: it accepted a grant with an invalid address type,
 * dropped bytes that came with the grant, and reported failures only as message text. Every
 * answer is read with exact, bounded byte counts; anything off ends with a typed error.
 */
import { isIP, type Socket } from 'node:net'
import type { ProxyConfig } from '../config/types.js'
import { ipBytes } from '../net/ip.js'
import { HandshakeReader } from './handshake-reader.js'
import { DialError } from './dial-error.js'
import type { Transport } from './transport.js'

const NO_AUTH = 0x00
const USER_PASS = 0x02
const NO_ACCEPTABLE = 0xff
const ATYP = { ipv4: 0x01, domain: 0x03, ipv6: 0x04 } as const
/** RFC 1928 §6 reply codes. */
const REPLIES: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
}
/** The longest valid reply: header, a 255-byte domain with its length byte, the port. */
const MAX_REPLY = 4 + 1 + 255 + 2

const rejected = (message: string): DialError => new DialError('proxy_rejected', `SOCKS5: ${message}`)

/** SOCKS5 proxies (`socks5://`, `socks5h://`): the target's name, or an address with `resolve: local`. */
export const socks5: Transport = {
  defaultPort: 1080,
  localResolve: true,
  acceptsTls: false,
  pac: (hostPort) => `SOCKS5 ${hostPort}`,
  // RFC 1929 carries each in one length byte.
  check: (proxy) => Buffer.byteLength(proxy.username ?? '') > 255 || Buffer.byteLength(proxy.password ?? '') > 255
    ? 'SOCKS5 usernames and passwords are at most 255 bytes'
    : undefined,
  open: async (socket, { proxy, host, port }) => ({ socket, early: await socks5Connect(socket, proxy, host, port) }),
}

/** Asks the proxy for a tunnel to host:port; resolves with any bytes that came after the grant. */
export async function socks5Connect (socket: Socket, proxy: ProxyConfig, host: string, port: number): Promise<Buffer> {
  const reader = new HandshakeReader(socket, 'SOCKS5', MAX_REPLY)
  try {
    const auth = proxy.username !== undefined
    socket.write(Buffer.from(auth ? [5, 2, NO_AUTH, USER_PASS] : [5, 1, NO_AUTH]))
    const [version, method] = await reader.bytes(2)
    if (version !== 5) throw rejected(`not a SOCKS5 answer (version byte ${version})`)
    if (method === NO_ACCEPTABLE) throw new DialError('proxy_auth', `SOCKS5: the proxy accepts none of our authentication methods${auth ? '' : ' (it wants credentials)'}`)
    if (method === USER_PASS && auth) await authenticate(socket, reader, proxy)
    else if (method !== NO_AUTH) throw rejected(`the proxy chose an authentication method we did not offer (${method})`)
    socket.write(request(host, port))
    const [v, reply, , atyp] = await reader.bytes(4)
    if (v !== 5) throw rejected(`not a SOCKS5 reply (version byte ${v})`)
    if (reply !== 0) throw rejected(`the proxy refused: ${REPLIES[reply!] ?? `reply code ${reply}`}`)
    // BND.ADDR and BND.PORT: read and checked, not used.
    if (atyp === ATYP.ipv4) await reader.bytes(4 + 2)
    else if (atyp === ATYP.ipv6) await reader.bytes(16 + 2)
    else if (atyp === ATYP.domain) await reader.bytes((await reader.bytes(1))[0]! + 2)
    else throw rejected(`the grant has an invalid address type (${atyp})`)
    return reader.release()
  } catch (err) {
    reader.release()
    throw err
  }
}

async function authenticate (socket: Socket, reader: HandshakeReader, proxy: ProxyConfig): Promise<void> {
  const user = Buffer.from(proxy.username ?? '')
  const pass = Buffer.from(proxy.password ?? '')
  socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]))
  const [, status] = await reader.bytes(2)
  if (status !== 0) throw new DialError('proxy_auth', 'SOCKS5: the proxy rejected the username or password')
}

function request (host: string, port: number): Buffer {
  const family = isIP(host)
  let address: Buffer
  if (family === 4) address = Buffer.concat([Buffer.from([ATYP.ipv4]), ipBytes(host)])
  else if (family === 6) address = Buffer.concat([Buffer.from([ATYP.ipv6]), ipBytes(host)])
  else { const name = Buffer.from(host); address = Buffer.concat([Buffer.from([ATYP.domain, name.length]), name]) }
  const p = Buffer.alloc(2)
  p.writeUInt16BE(port)
  return Buffer.concat([Buffer.from([5, 1, 0]), address, p])
}
