/**
 * The full chain as a user runs it: real v2ray (VLESS server + client), loopback targets, and
 * the built egress-prober CLI configured against them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { testCerts } from '../helpers/certs.js'
import { startFlakyForwarder } from '../helpers/flaky-forwarder.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { LAB_USER, LAB_UUID, V2rayLab } from './v2ray-lab.js'

export interface Chain {
  lab: V2rayLab
  web: TargetServer
  webTls: TargetServer
  cli: RunningCli
  /** The config file the prober runs with (to start a replica). */
  configFile: string
  metrics: () => Promise<string>
  close: () => Promise<number | null>
}

/** `defaults` and `extraTargets` are YAML fragments; the rest is the standard lab config. */
export interface ChainOptions {
  defaults?: string
  extraTargets?: string
  egressExpect?: boolean
  /** Adds the password-protected inbounds, with and without credentials (the latter always fail). */
  authInbounds?: boolean
  /** Query of the IP-echo URL (e.g. `format=trace&loc=US`: the country it names, see target-server.ts). */
  egressQuery?: string
  /** egress_ip.expect_country */
  expectCountry?: string[]
  /** The `labels:` map, as YAML (e.g. `{ region: eu-west }`). */
  labels?: string
  /** Adds a `kind: download` target (64 KiB from the plain target) through direct and socks. */
  download?: boolean
  /** The `socks` path goes through a forwarder that resets every third connection mid-handshake (a sick tunnel). */
  flakySocks?: boolean
}

export async function startChain (opts: ChainOptions = {}): Promise<Chain> {
  const lab = await V2rayLab.create()
  const parts: { close: () => Promise<unknown> }[] = [lab]
  try {
    await lab.startServer()
    await lab.startClient()
    const [web, webTls] = await Promise.all([startTarget(), startTarget({ tls: true })])
    parts.push(web, webTls)
    const p = lab.ports
    const flaky = opts.flakySocks === true ? await startFlakyForwarder({ port: p.socks }) : undefined
    if (flaky !== undefined) parts.push(flaky)
    const socksPort = flaky?.port ?? p.socks
    const auth = `${LAB_USER.user}:${LAB_USER.pass}@`
    const ca = testCerts().caFile
    const dir = mkdtempSync(join(tmpdir(), 'egress-prober-e2e-'))
    writeFileSync(join(dir, 'config.yml'), `
listen: 127.0.0.1:0
${opts.labels === undefined ? '' : `labels: ${opts.labels}`}
${opts.defaults === undefined ? '' : `defaults: ${opts.defaults}`}
proxies:
  socks: { url: "socks5h://127.0.0.1:${socksPort}", upstream: "vless://${LAB_UUID}@127.0.0.1:${p.server}?security=tls&sni=localhost&allowInsecure=1&type=tcp#lab" }
  http: http://127.0.0.1:${p.http}
${opts.authInbounds === true
? `  socks_auth: socks5://${auth}127.0.0.1:${p.socksAuth}
  http_auth: http://${auth}127.0.0.1:${p.httpAuth}
  socks_nocreds: socks5://127.0.0.1:${p.socksAuth}
  http_nocreds: http://127.0.0.1:${p.httpAuth}`
: ''}
egress_ip: { url: "${web.url(`/ip${opts.egressQuery === undefined ? '' : `?${opts.egressQuery}`}`)}", via: [direct, socks, http]${opts.egressExpect === true ? ', expect: [127.0.0.2/32]' : ''}${opts.expectCountry === undefined ? '' : `, expect_country: [${opts.expectCountry.join(', ')}]`} }
xray: { api: "127.0.0.1:${p.api}" }
targets:
  - { name: web, url: "${web.url('/')}", via: [direct, socks, http] }
  - { name: web_tls, url: "${webTls.url('/')}", via: [direct, socks, http], tls: { ca_file: "${ca}" } }
${opts.authInbounds === true ? `  - { name: auth, url: "${webTls.url('/')}", via: [socks_auth, http_auth, socks_nocreds, http_nocreds], tls: { ca_file: "${ca}" } }` : ''}
${opts.download === true ? `  - { name: bulk, kind: download, url: "${web.url('/?size=65536')}", via: [direct, socks] }` : ''}
${opts.extraTargets ?? ''}
`)
    const cli = await startCli([`--config.file=${join(dir, 'config.yml')}`])
    return {
      lab,
      web,
      webTls,
      cli,
      configFile: join(dir, 'config.yml'),
      metrics: async () => await (await fetch(`${cli.base}/metrics`)).text(),
      close: async () => {
        const code = await cli.stop('SIGTERM')
        await Promise.all(parts.map((x) => x.close()))
        return code
      },
    }
  } catch (err) {
    await Promise.all(parts.map((x) => x.close()))
    throw err
  }
}
