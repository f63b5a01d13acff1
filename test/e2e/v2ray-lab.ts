/**
 * A real VLESS chain on loopback with Debian's v2ray: a VLESS server (TCP + TLS, freedom
 * outbound sending from 127.0.0.2, routing that only allows loopback) and a VLESS client with
 * SOCKS5 and HTTP inbounds, password-protected twins, and the stats API. Every process is
 * started here and stopped by pid.
 */
import { spawnTracked } from '../helpers/procs.js'
import { spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testCerts } from '../helpers/certs.js'
import { freePorts, waitForPort } from '../helpers/ports.js'
import { startRawServer } from '../helpers/net.js'

export const LAB_USER = { user: 'lab', pass: 'lab-pass' }
/** The lab user's VLESS id (a test value: the lab listens on loopback only). */
export const LAB_UUID = 'b831381d-6324-4d53-ad4f-8cda48b30811'
const UUID = LAB_UUID

/** `server`: VLESS over TCP+TLS; `serverWs`: over WebSocket+TLS (path /vl); `serverPlain`: over plain TCP. */
export interface LabPorts { server: number, serverWs: number, serverPlain: number, socks: number, http: number, socksAuth: number, httpAuth: number, api: number }

function serverConfig (p: LabPorts, certs: ReturnType<typeof testCerts>): object {
  return {
    log: { loglevel: 'warning' },
    inbounds: [{
      tag: 'vless-in',
      listen: '127.0.0.1',
      port: p.server,
      protocol: 'vless',
      settings: { clients: [{ id: UUID, level: 0, email: 'probe@lab' }], decryption: 'none' },
      streamSettings: {
        network: 'tcp',
        security: 'tls',
        tlsSettings: { serverName: 'localhost', certificates: [{ certificateFile: join(certs.dir, 'server.crt'), keyFile: join(certs.dir, 'server.key') }] },
      },
    }, {
      tag: 'vless-ws-in',
      listen: '127.0.0.1',
      port: p.serverWs,
      protocol: 'vless',
      settings: { clients: [{ id: UUID, level: 0, email: 'probe@lab' }], decryption: 'none' },
      streamSettings: {
        network: 'ws',
        security: 'tls',
        wsSettings: { path: '/vl' },
        tlsSettings: { serverName: 'localhost', certificates: [{ certificateFile: join(certs.dir, 'server.crt'), keyFile: join(certs.dir, 'server.key') }] },
      },
    }, {
      tag: 'vless-plain-in',
      listen: '127.0.0.1',
      port: p.serverPlain,
      protocol: 'vless',
      settings: { clients: [{ id: UUID, level: 0, email: 'probe@lab' }], decryption: 'none' },
      streamSettings: { network: 'tcp', security: 'none' },
    }],
    outbounds: [
      { tag: 'direct', protocol: 'freedom', sendThrough: '127.0.0.2', settings: { domainStrategy: 'UseIPv4' } },
      { tag: 'block', protocol: 'blackhole', settings: {} },
    ],
    routing: {
      domainStrategy: 'AsIs',
      rules: [
        { type: 'field', ip: ['127.0.0.0/8'], outboundTag: 'direct' },
        { type: 'field', domain: ['full:localhost'], outboundTag: 'direct' },
        { type: 'field', network: 'tcp,udp', outboundTag: 'block' },
      ],
    },
  }
}

/** A VLESS id the server does not know: a sidecar with a wrong id. */
export const WRONG_UUID = '00000000-0000-4000-8000-00000000dead'

function clientConfig (p: LabPorts, certs: ReturnType<typeof testCerts>, id = UUID): object {
  const accounts = [{ user: LAB_USER.user, pass: LAB_USER.pass }]
  return {
    log: { loglevel: 'warning' },
    stats: {},
    api: { tag: 'api', services: ['StatsService'] },
    policy: {
      levels: { 0: { statsUserUplink: true, statsUserDownlink: true } },
      system: { statsInboundUplink: true, statsInboundDownlink: true, statsOutboundUplink: true, statsOutboundDownlink: true },
    },
    inbounds: [
      { tag: 'socks-in', listen: '127.0.0.1', port: p.socks, protocol: 'socks', settings: { auth: 'noauth', udp: false } },
      { tag: 'http-in', listen: '127.0.0.1', port: p.http, protocol: 'http', settings: {} },
      { tag: 'socks-auth-in', listen: '127.0.0.1', port: p.socksAuth, protocol: 'socks', settings: { auth: 'password', accounts, udp: false } },
      { tag: 'http-auth-in', listen: '127.0.0.1', port: p.httpAuth, protocol: 'http', settings: { accounts } },
      { tag: 'api', listen: '127.0.0.1', port: p.api, protocol: 'dokodemo-door', settings: { address: '127.0.0.1' } },
    ],
    outbounds: [{
      tag: 'proxy',
      protocol: 'vless',
      settings: { vnext: [{ address: '127.0.0.1', port: p.server, users: [{ id, encryption: 'none', level: 0, email: 'probe@lab' }] }] },
      streamSettings: {
        network: 'tcp',
        security: 'tls',
        tlsSettings: { serverName: 'localhost', certificates: [{ usage: 'verify', certificateFile: certs.caFile }] },
      },
    }],
    routing: { rules: [{ type: 'field', inboundTag: ['api'], outboundTag: 'api' }] },
  }
}

export class V2rayLab {
  private server?: ChildProcess
  private client?: ChildProcess
  private hung?: { close: () => Promise<void> }
  private constructor (readonly dir: string, readonly ports: LabPorts) {}

  static async create (): Promise<V2rayLab> {
    const dir = mkdtempSync(join(tmpdir(), 'egress-prober-v2ray-'))
    const [server, serverWs, serverPlain, socks, http, socksAuth, httpAuth, api] = await freePorts(8) as [number, number, number, number, number, number, number, number]
    const lab = new V2rayLab(dir, { server, serverWs, serverPlain, socks, http, socksAuth, httpAuth, api })
    const certs = testCerts()
    writeFileSync(join(dir, 'server.json'), JSON.stringify(serverConfig(lab.ports, certs), null, 2))
    writeFileSync(join(dir, 'client.json'), JSON.stringify(clientConfig(lab.ports, certs), null, 2))
    writeFileSync(join(dir, 'client-wrong-id.json'), JSON.stringify(clientConfig(lab.ports, certs, WRONG_UUID), null, 2))
    for (const f of ['server.json', 'client.json', 'client-wrong-id.json']) {
      const r = spawnSync('v2ray', ['-test', '-config', join(dir, f)], { encoding: 'utf8', timeout: 10_000 })
      if (!r.stdout.includes('Configuration OK')) throw new Error(`v2ray rejected ${f}:\n${r.stdout}${r.stderr}`)
    }
    return lab
  }

  async startServer (): Promise<void> {
    this.server = this.spawnV2ray('server.json')
    await Promise.all([this.ports.server, this.ports.serverWs, this.ports.serverPlain].map((p) => waitForPort(p)))
  }

  /** The sidecar; `wrongId`: one whose VLESS id the server does not know. */
  async startClient (opts: { wrongId?: boolean } = {}): Promise<void> {
    this.client = this.spawnV2ray(opts.wrongId === true ? 'client-wrong-id.json' : 'client.json')
    await Promise.all([this.ports.socks, this.ports.http, this.ports.socksAuth, this.ports.httpAuth, this.ports.api].map((p) => waitForPort(p)))
  }

  async stopServer (): Promise<void> { await stop(this.server); this.server = undefined }
  async stopClient (): Promise<void> { await stop(this.client); this.client = undefined }

  /** Puts a server in place that accepts TCP and never completes TLS (a hung VLESS server). */
  async hangServer (): Promise<void> {
    await this.stopServer()
    const raw = await startRawServer(() => {}, this.ports.server)
    this.hung = raw
  }

  async unhangServer (): Promise<void> { await this.hung?.close(); this.hung = undefined }

  async close (): Promise<void> {
    await Promise.all([this.stopServer(), this.stopClient(), this.unhangServer()])
  }

  /** Pids still running (for the "no process left behind" check). */
  pids (): number[] {
    return [this.server, this.client].flatMap((c) => c?.pid !== undefined && c.exitCode === null ? [c.pid] : [])
  }

  private spawnV2ray (file: string): ChildProcess {
    const child = spawnTracked('v2ray', ['-config', join(this.dir, file)], { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', () => {})
    return child
  }
}

async function stop (child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}
