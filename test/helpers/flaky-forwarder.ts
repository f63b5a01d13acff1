/**
 * A TCP forwarder that resets every `resetEvery`-th connection (RST after the client's first
 * bytes: mid-handshake for a proxy behind it) and pipes the others to `upstream`: a flaky
 * tunnel, as DPI makes one. Counts connections and resets.
 */
import net from 'node:net'
import { startRawServer } from './net.js'

export interface FlakyForwarder { port: number, connections: () => number, resets: () => number, close: () => Promise<void> }

export async function startFlakyForwarder (upstream: { host?: string, port: number }, resetEvery = 3): Promise<FlakyForwarder> {
  let n = 0
  let resets = 0
  const server = await startRawServer((client) => {
    if (++n % resetEvery === 0) {
      resets++
      client.once('data', () => { client.resetAndDestroy() })
      return
    }
    const up = net.connect({ host: upstream.host ?? '127.0.0.1', port: upstream.port })
    up.on('error', () => { client.destroy() })
    client.on('error', () => { up.destroy() })
    client.on('close', () => { up.destroy() })
    up.on('close', () => { client.destroy() })
    client.pipe(up).pipe(client)
  })
  return { port: server.port, connections: server.connections, resets: () => resets, close: server.close }
}
