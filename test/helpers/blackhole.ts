/**
 * A port whose TCP handshake never completes: a listener with a backlog of 0 that never
 * accepts, its one queue slot already taken. Node always accepts, so this runs in python3.
 */
import { spawnTracked } from './procs.js'
import { once } from 'node:events'

const SCRIPT = `
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
port = s.getsockname()[1]
filler = socket.create_connection(('127.0.0.1', port))
print(port, flush=True)
time.sleep(120)
`

export async function startBlackhole (): Promise<{ port: number, close: () => void }> {
  const child = spawnTracked('python3', ['-c', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(child.stdout, 'data') as [Buffer]
  return { port: Number(line.toString().trim()), close: () => { child.kill('SIGKILL') } }
}
