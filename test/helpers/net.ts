import net from 'node:net'

/** Listens on 127.0.0.1 (port 0 unless given) and returns the port. */
export async function listen (server: net.Server, host = '127.0.0.1', port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  return (server.address() as net.AddressInfo).port
}

/** Closes a server and destroys every connection it still holds. */
export function closeServer (server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy()
  return new Promise((resolve) => server.close(() => resolve()))
}

/** Tracks a server's sockets so they can be destroyed on close. */
export function trackSockets (server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>()
  server.on('connection', (s: net.Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('secureConnection', (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  return sockets
}

/**
 * A port on 127.0.0.1 where nothing listens. Picked below the kernel's ephemeral range
 * (32768-60999): a port handed out for `listen(0)` could be given to another test's server
 * moments later (files run in parallel), which would then receive this test's "refused"
 * connections. Nothing in the tests listens on a fixed low port, so this one stays closed.
 */
export async function closedPort (): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const server = net.createServer()
    const free = await listen(server, '127.0.0.1', port).then(() => true, () => false)
    if (free) {
      await new Promise((resolve) => server.close(resolve))
      return port
    }
  }
  throw new Error('no closed port found below the ephemeral range')
}

/** A raw TCP server; `onSocket` decides what each connection gets. */
export async function startRawServer (onSocket: (s: net.Socket) => void, port = 0): Promise<{ port: number, connections: () => number, close: () => Promise<void> }> {
  let count = 0
  const server = net.createServer((s) => { count++; s.on('error', () => {}); onSocket(s) })
  const sockets = trackSockets(server)
  const bound = await listen(server, '127.0.0.1', port)
  return { port: bound, connections: () => count, close: () => closeServer(server, sockets) }
}
