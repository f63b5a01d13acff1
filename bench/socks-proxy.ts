/** A SOCKS5 proxy (egress 127.0.0.2) in a process of its own, so the detection bench can kill it. */
import { startSocksProxy } from '../test/helpers/proxies.js'

const port = Number(process.argv[2])
await startSocksProxy({ egress: '127.0.0.2', port })
process.stdout.write(`listening on ${port}\n`)
