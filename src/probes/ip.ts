/**
 * IP literals from the network, made safe to compare and to label: strictly an IPv4 or IPv6
 * literal (no zone, no brackets, bounded length), in one canonical text form: IPv6 lower-case
 * and compressed, IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4 address it is.
 */
import { isIP } from 'node:net'

/** The longest IP literal: a full IPv6 address with a dotted IPv4 tail. */
const MAX_LENGTH = 45

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
