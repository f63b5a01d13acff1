/**
 * IP literals from the network, made safe to compare and to label: strictly an IPv4 or IPv6
 * literal (no zone, no brackets, bounded length), in one canonical text form: IPv6 lower-case
 * and compressed, IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4 address it is.
 */
import { isIP } from 'node:net'

/** The longest IP literal: a full IPv6 address with a dotted IPv4 tail. */
const MAX_LENGTH = 45

/** An IP address in one canonical text form (IPv4-mapped IPv6 as IPv4, IPv6 compressed and lower case), or undefined when the text is not one. */
export function canonicalIp (text: string): string | undefined {
  if (text.length > MAX_LENGTH || text.includes('%')) return undefined
  const family = isIP(text)
  if (family === 4) return text
  if (family !== 6) return undefined
  const host = new URL(`http://[${text}]/`).hostname.slice(1, -1)
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host)
  if (mapped === null) return host
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)]
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.')
}

/** The bytes of an IPv4 (4) or IPv6 (16) literal, as they go on the wire. */
export function ipBytes (ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number))
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) is two groups.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`)
  const [head = '', tail = ''] = text.split('::')
  const groups = (part: string): string[] => part === '' ? [] : part.split(':')
  const h = groups(head)
  const t = groups(tail)
  const all = text.includes('::') ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h
  const out = Buffer.alloc(16)
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2))
  return out
}

/** A URL's host without the brackets of an IPv6 literal (`[::1]` → `::1`); names unchanged. */
export function unbracket (host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1')
}
