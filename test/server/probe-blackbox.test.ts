/**
 * /probe speaks blackbox_exporter's language: every family (and its label names) that the real
 * blackbox_exporter (Debian's prometheus-blackbox-exporter) emits for the same loopback target
 * over HTTP and HTTPS is in egress-prober's answer too, so blackbox dashboards and certificate
 * alerts work unchanged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { testCerts } from '../helpers/certs.js'
import { startRawServer } from '../helpers/net.js'
import { freePorts } from '../helpers/ports.js'
import { spawnTracked } from '../helpers/procs.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { requireTools } from '../helpers/tools.js'
import { waitFor } from '../helpers/wait.js'

const enabled = requireTools('prometheus-blackbox-exporter')

/** Family name → the label names of its samples. */
function families (text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? /i.exec(line)
    if (m === null || line.startsWith('#')) continue
    const labels = [...(m[2] ?? '').matchAll(/([a-z_]+)="/gi)].map((l) => l[1]!).sort()
    out.set(m[1]!, labels)
  }
  return out
}

describe.skipIf(!enabled)('/probe against blackbox_exporter', () => {
  let ssh: Awaited<ReturnType<typeof startRawServer>>
  let http: TargetServer, https: TargetServer, app: TestApp, bb: ReturnType<typeof spawnTracked>, bbBase: string
  beforeAll(async () => {
    [http, https, ssh] = await Promise.all([startTarget(), startTarget({ tls: true }), startRawServer((s) => { s.write('SSH-2.0-test\r\n') })])
    const dir = mkdtempSync(join(tmpdir(), 'egress-prober-blackbox-'))
    writeFileSync(join(dir, 'bb.yml'), `modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      tls_config: { ca_file: ${testCerts().caFile} }
  tcp_banner:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      query_response: [{ expect: "^SSH-2.0-" }]
`)
    const [port] = await freePorts(1) as [number]
    bb = spawnTracked('prometheus-blackbox-exporter', [`--config.file=${join(dir, 'bb.yml')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' })
    bbBase = `http://127.0.0.1:${port}`
    await waitFor(async () => await fetch(`${bbBase}/-/healthy`).then((r) => r.ok, () => false), (ok) => ok, 10_000, 'blackbox_exporter')
    app = await startApp(`targets:
  - { name: plain, url: "${http.url('/')}", via: [direct] }
  - { name: secure, url: "${https.url('/')}", via: [direct], tls: { ca_file: "${testCerts().caFile}" } }
  - { name: ssh, kind: tcp, url: "tcp://127.0.0.1:${ssh.port}", via: [direct], expect: { banner: "^SSH-2.0-" } }
`)
  })
  afterAll(async () => {
    bb?.kill('SIGKILL')
    await app?.close()
    await Promise.all([http, https, ssh].map((s) => s?.close()))
  })

  it.each([['plain', 'http'], ['secure', 'https']])('%s (%s): every blackbox family, with its label names', async (name) => {
    const url = name === 'plain' ? http.url('/') : https.url('/')
    const theirs = families(await (await fetch(`${bbBase}/probe?module=http_2xx&target=${encodeURIComponent(url)}`)).text())
    const ours = families(await (await fetch(`${app.base}/probe?target=${name}`)).text())
    expect(theirs.get('probe_success')).toBeDefined()
    if (name === 'secure') expect(theirs.has('probe_ssl_earliest_cert_expiry')).toBe(true)
    const missing = [...theirs].filter(([family, labels]) => JSON.stringify(ours.get(family)) !== JSON.stringify(labels))
      .map(([family, labels]) => `${family}{${labels.join(',')}} (ours: ${ours.has(family) ? `{${ours.get(family)!.join(',')}}` : 'absent'})`)
    expect(missing).toEqual([])
  })

  it('tcp (kind: tcp, blackbox\'s tcp prober): every blackbox family, with its label names, and no http ones', async () => {
    const theirs = families(await (await fetch(`${bbBase}/probe?module=tcp_banner&target=127.0.0.1:${ssh.port}`)).text())
    const ours = families(await (await fetch(`${app.base}/probe?target=ssh`)).text())
    expect(theirs.get('probe_success')).toBeDefined()
    const missing = [...theirs].filter(([family, labels]) => JSON.stringify(ours.get(family)) !== JSON.stringify(labels)).map(([family]) => family)
    expect(missing).toEqual([])
    expect([...ours.keys()].filter((f) => f.startsWith('probe_http_'))).toEqual([])
  })

  it('the certificate facts agree with blackbox_exporter', async () => {
    const value = (text: string, family: string): string => new RegExp(`^${family}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 'absent'
    const theirs = await (await fetch(`${bbBase}/probe?module=http_2xx&target=${encodeURIComponent(https.url('/'))}`)).text()
    const ours = await (await fetch(`${app.base}/probe?target=secure`)).text()
    // The test CA expires a day before the server certificate: the earliest expiry is of the
    // chain the server sent, the last chain's expiry includes the trust anchor.
    for (const family of ['probe_ssl_earliest_cert_expiry', 'probe_ssl_last_chain_expiry_timestamp_seconds']) {
      expect({ family, value: Number(value(ours, family)) }).toEqual({ family, value: Number(value(theirs, family)) })
    }
    expect(Number(value(ours, 'probe_ssl_earliest_cert_expiry')) - Number(value(ours, 'probe_ssl_last_chain_expiry_timestamp_seconds'))).toBeGreaterThan(80_000)
    const info = (text: string): string => /^probe_ssl_last_chain_info\{(.*)\} 1$/m.exec(text)?.[1] ?? ''
    expect(info(ours)).toBe(info(theirs))
    expect(value(ours, 'probe_tls_version_info{version="TLS 1.3"}'.replace(/[{}"]/g, (c) => `\\${c}`))).toBe('1')
  })
})
