/** A CA and a server certificate made at test time with openssl (no keys are committed). */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCerts {
  dir: string
  caFile: string
  ca: Buffer
  key: Buffer
  cert: Buffer
  /** In `dir`: client.crt/client.key (signed by the CA, SAN DNS:prometheus.test), stranger.crt/stranger.key (self-signed). */
}

let cached: TestCerts | undefined

/** Server cert for localhost, a few .test names and 127.0.0.1, signed by a fresh CA; made once per process. */
export function testCerts (): TestCerts {
  if (cached !== undefined) return cached
  const dir = mkdtempSync(join(tmpdir(), 'egress-prober-certs-'))
  const run = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }) }
  // The CA expires a day before the server certificate, so the trust anchor's expiry and the
  // expiry of the chain the server sent differ (blackbox counts only what was sent).
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=egress-prober test CA', '-keyout', 'ca.key', '-out', 'ca.crt')
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr')
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,DNS:target.test,DNS:api.test,DNS:image.test,DNS:other.test,DNS:*.lab.test,IP:127.0.0.1\n')
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt')
  // Client certificates for the web server's client auth: one from the CA, one self-signed.
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', '/CN=prometheus', '-keyout', 'client.key', '-out', 'client.csr')
  writeFileSync(join(dir, 'client.cnf'), 'subjectAltName=DNS:prometheus.test\nextendedKeyUsage=clientAuth\n')
  run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'client.cnf', '-out', 'client.crt')
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=stranger', '-keyout', 'stranger.key', '-out', 'stranger.crt')
  cached = {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt')),
    key: readFileSync(join(dir, 'server.key')),
    cert: readFileSync(join(dir, 'server.crt')),
  }
  return cached
}
