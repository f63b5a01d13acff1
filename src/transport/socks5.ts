/** SOCKS5 CONNECT (RFC 1928, RFC 1929 auth) on an already connected socket, using `socks`. */
import type { Socket } from 'node:net'
import { SocksClient, SocksClientError } from 'socks'
import type { ProxyConfig } from '../config/types.js'
import { ProxyHandshakeError } from './proxy-error.js'

// Messages of the socks package (build/common/constants.js ERRORS) that mean "credentials".
const AUTH_MESSAGES = ['Socks5 Authentication failed', 'no accepted authentication type']

export async function socks5Connect (
  socket: Socket, proxy: ProxyConfig, host: string, port: number, timeoutMs: number,
): Promise<void> {
  try {
    await SocksClient.createConnection({
      proxy: {
        host: proxy.host,
        port: proxy.port,
        type: 5,
        ...(proxy.username !== undefined && { userId: proxy.username, password: proxy.password ?? '' }),
      },
      command: 'connect',
      destination: { host, port },
      existing_socket: socket,
      timeout: Math.max(1, timeoutMs),
    })
  } catch (err) {
    if (!(err instanceof SocksClientError)) throw err
    if (AUTH_MESSAGES.some((m) => err.message.includes(m))) throw new ProxyHandshakeError('proxy_auth', `SOCKS5: ${err.message}`)
    if (err.message.includes('timed out')) throw err
    // RFC 1928 §6: any reply other than 0 (succeeded) is a refusal; so is a broken answer.
    throw new ProxyHandshakeError('proxy_rejected', `SOCKS5: ${err.message}`)
  }
}
