import type { Transport } from './transport.js'

/** No proxy: the connection to the first hop is the connection to the target. */
export const direct: Transport = {
  defaultPort: 0,
  localResolve: true,
  open: async (socket) => ({ socket, early: Buffer.alloc(0) }),
}
