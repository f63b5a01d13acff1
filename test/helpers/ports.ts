import net from 'node:net'
import { listen } from './net.js'

/** Free TCP ports on 127.0.0.1, picked at run time (bound to :0, then released). */
export async function freePorts (n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => net.createServer())
  const ports = await Promise.all(servers.map((s) => listen(s)))
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

/** Waits until a TCP port accepts connections (bounded). */
export async function waitForPort (port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true) })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`)
}
