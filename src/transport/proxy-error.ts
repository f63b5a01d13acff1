/** A proxy answered the handshake with a refusal; `kind` says which failure reason it is. */
export class ProxyHandshakeError extends Error {
  constructor (readonly kind: 'proxy_auth' | 'proxy_rejected', message: string) {
    super(message)
    this.name = 'ProxyHandshakeError'
  }
}
