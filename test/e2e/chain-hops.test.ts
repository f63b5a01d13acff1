/**
 * Where the chain breaks, in the real v2ray lab: each fault gives its hop, twice in a row, as
 * `check --output=json` reports it (the same verdict /metrics, /api/status and the pages carry):
 * sidecar killed → sidecar; VLESS server killed → upstream_unreachable; the server's port held
 * by a listener that never speaks → upstream_handshake; a sidecar with a wrong VLESS id →
 * tunnel; a target down everywhere → target; healthy → none.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { requireTools } from '../helpers/tools.js'
import { LAB_UUID, V2rayLab } from './v2ray-lab.js'

const enabled = requireTools('v2ray')

describe.skipIf(!enabled)('the chain verdict in the real v2ray lab', () => {
  let lab: V2rayLab, web: TargetServer, file: string, downFile: string
  beforeAll(async () => {
    lab = await V2rayLab.create()
    await lab.startServer()
    await lab.startClient()
    web = await startTarget()
    const dir = mkdtempSync(join(tmpdir(), 'egress-prober-hops-'))
    const upstream = `vless://${LAB_UUID}@127.0.0.1:${lab.ports.server}?security=tls&sni=localhost&allowInsecure=1&type=tcp#lab`
    const config = (target: string): string => `defaults: { timeout: 3s }
proxies:
  socks: { url: "socks5h://127.0.0.1:${lab.ports.socks}", upstream: "${upstream}" }
egress_ip: { url: "${web.url('/ip')}", via: [direct, socks] }
targets:
  - { name: web, url: "${target}", via: [direct, socks] }
`
    file = join(dir, 'chain.yml')
    writeFileSync(file, config(web.url('/')))
    downFile = join(dir, 'down.yml')
    writeFileSync(downFile, config('http://127.0.0.1:1/')) // nothing listens there, on any path
  }, 60_000)
  afterAll(async () => { await Promise.all([lab?.close(), web?.close()]) })

  /** The broken hop of the socks path, twice: the same fault must give the same hop. */
  const hopTwice = async (config = file): Promise<(string | null)[]> => {
    const hops: (string | null)[] = []
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['check', '--output=json', `--config.file=${config}`], { timeoutMs: 30_000 })
      const json = JSON.parse(r.stdout) as { paths: { via: string, brokenHop: string | null }[] }
      expect(r.stdout).not.toContain(LAB_UUID)
      hops.push(json.paths.find((p) => p.via === 'socks')!.brokenHop)
    }
    return hops
  }

  it('healthy: no broken hop', async () => { expect(await hopTwice()).toEqual([null, null]) }, 120_000)

  it('a target down everywhere: target', async () => { expect(await hopTwice(downFile)).toEqual(['target', 'target']) }, 120_000)

  it('the VLESS server killed: upstream_unreachable', async () => {
    await lab.stopServer()
    try { expect(await hopTwice()).toEqual(['upstream_unreachable', 'upstream_unreachable']) } finally { await lab.startServer() }
  }, 120_000)

  it('the server\'s port answered by a listener that never speaks: upstream_handshake', async () => {
    await lab.hangServer()
    try { expect(await hopTwice()).toEqual(['upstream_handshake', 'upstream_handshake']) } finally {
      await lab.unhangServer()
      await lab.startServer()
    }
  }, 120_000)

  it('a sidecar with a wrong VLESS id: tunnel', async () => {
    await lab.stopClient()
    await lab.startClient({ wrongId: true })
    try { expect(await hopTwice()).toEqual(['tunnel', 'tunnel']) } finally {
      await lab.stopClient()
      await lab.startClient()
    }
  }, 120_000)

  it('the sidecar killed: sidecar', async () => {
    await lab.stopClient()
    try { expect(await hopTwice()).toEqual(['sidecar', 'sidecar']) } finally { await lab.startClient() }
  }, 120_000)
})
