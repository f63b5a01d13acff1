/**
 * Country codes from the network become a label: only an ISO 3166-1 alpha-2 code passes (two
 * letters, upper-cased), and not the user-assigned ones (AA, QM–QZ, XA–XZ, ZZ; Cloudflare says
 * XX for "unknown" and T1 for Tor). At most 26 × 26 values, so a label stays bounded.
 */
export function countryCode (value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z]{2}$/.test(value)) return undefined
  const code = value.toUpperCase()
  if (code === 'AA' || code === 'ZZ' || /^Q[M-Z]$/.test(code) || code.startsWith('X')) return undefined
  return code
}
