/**
 * The proxies of the scale scenario: Debian's microsocks (SOCKS5) and tinyproxy (HTTP CONNECT)
 * when installed (`apt-get install microsocks tinyproxy`), egress bound to 127.0.0.2, listening
 * on loopback ports picked at run time; otherwise the bench servers' own proxies. Stopped by pid.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePorts } from '../../test/helpers/ports.js'
import { startProc, type Proc } from './proc.js'
import type { Servers } from './tools.js'

export interface Proxies { socksPort: number, connectPort: number, kind: string, procs: Proc[], stop: () => Promise<void> }

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

async function waitListening (port: number): Promise<void> {
  const net = await import('node:net')
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true) })
      s.once('error', () => { resolve(false) })
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`)
}

export async function startProxies (s: Servers, dir: string): Promise<Proxies> {
  if (!has('microsocks') || !has('tinyproxy')) {
    return { socksPort: s.socksPort, connectPort: s.connectPort, kind: 'the bench servers\' own SOCKS5 and CONNECT proxies (microsocks/tinyproxy not installed)', procs: [], stop: async () => {} }
  }
  const [socksPort, connectPort] = await freePorts(2) as [number, number]
  const conf = join(dir, 'tinyproxy.conf')
  // No ConnectPort line: CONNECT to every port is allowed (the targets listen on high ports).
  writeFileSync(conf, `Port ${connectPort}\nListen 127.0.0.1\nBind 127.0.0.2\nTimeout 30\nMaxClients 2048\nAllow 127.0.0.1\nLogLevel Critical\nDisableViaHeader Yes\n`)
  const procs = [
    await startProc('microsocks', ['-i', '127.0.0.1', '-p', String(socksPort), '-b', '127.0.0.2'], { ready: /.*/, readyOnSpawn: true }),
    await startProc('tinyproxy', ['-d', '-c', conf], { ready: /.*/, readyOnSpawn: true }),
  ]
  const stop = async (): Promise<void> => { await Promise.all(procs.map((p) => p.stop())) }
  try {
    await Promise.all([waitListening(socksPort), waitListening(connectPort)])
  } catch (err) {
    await stop()
    throw err
  }
  const version = (/tinyproxy (\S+)/.exec(spawnSync('tinyproxy', ['-v'], { encoding: 'utf8' }).stdout ?? '')?.[1]) ?? '?'
  return { socksPort, connectPort, kind: `Debian microsocks (SOCKS5) and tinyproxy ${version} (CONNECT), egress from 127.0.0.2`, procs, stop }
}
