/**
 * A client for the Xray/V2Ray stats API over gRPC (no reflection: our own .proto files).
 * `auto` tries Xray's service name, falls back to V2Ray's on UNIMPLEMENTED, and remembers.
 */
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'

export type Flavor = 'xray' | 'v2ray'
export const SERVICES: Record<Flavor, string> = {
  xray: 'xray.app.stats.command.StatsService',
  v2ray: 'v2ray.core.app.stats.command.StatsService',
}

export interface Stat { name: string, value: number }
export interface SysStats {
  NumGoroutine: number,
  NumGC: number,
  Alloc: number,
  TotalAlloc: number,
  Sys: number,
  Mallocs: number,
  Frees: number,
  LiveObjects: number,
  PauseTotalNs: number,
  Uptime: number
}

type Unary<Req, Res> = (req: Req, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void
interface StatsStub extends grpc.Client {
  QueryStats: Unary<{ pattern: string, reset: boolean }, { stat: Stat[] }>
  GetSysStats: Unary<object, SysStats>
}

/** The largest stats answer read (gRPC's default is 4 MiB: about 50,000 stats). */
export const MAX_MESSAGE_MB = 16

const LOAD_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, defaults: true, enums: String }

/** Loads the service definition of a flavor from proto/ (shipped beside dist/). */
export function loadService (flavor: Flavor): grpc.ServiceClientConstructor {
  const file = fileURLToPath(new URL(`../../proto/${flavor}-stats.proto`, import.meta.url))
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, LOAD_OPTIONS))
  const path = SERVICES[flavor].split('.')
  let node: unknown = pkg
  for (const part of path) node = (node as Record<string, unknown>)[part]
  return node as grpc.ServiceClientConstructor
}

/** A gRPC client of the Xray/V2Ray stats API: QueryStats and GetSysStats, each bounded by the timeout. */
export class StatsClient {
  private readonly stubs = new Map<Flavor, StatsStub>()
  /** The flavor that answered; fixed after the first success in `auto`. */
  private detected?: Flavor

  constructor (private readonly address: string, private readonly flavor: Flavor | 'auto') {}

  get service (): string | undefined {
    const f = this.flavor === 'auto' ? this.detected : this.flavor
    return f === undefined ? undefined : SERVICES[f]
  }

  /** Every counter (`reset: false`: the counters are shared, never reset them) and the runtime stats. */
  async scrape (deadlineMs: number): Promise<{ stats: Stat[], sys: SysStats }> {
    const deadline = Date.now() + deadlineMs
    const order: Flavor[] = this.flavor !== 'auto' ? [this.flavor] : this.detected !== undefined ? [this.detected] : ['xray', 'v2ray']
    let lastErr: unknown
    for (const flavor of order) {
      try {
        const stub = this.stub(flavor)
        const sys = await call(stub.GetSysStats.bind(stub), {}, deadline)
        const { stat } = await call(stub.QueryStats.bind(stub), { pattern: '', reset: false }, deadline)
        if (this.flavor === 'auto') this.detected = flavor
        return { stats: stat, sys }
      } catch (err) {
        lastErr = err
        if ((err as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) throw err
      }
    }
    throw lastErr
  }

  close (): void {
    for (const stub of this.stubs.values()) stub.close()
    this.stubs.clear()
  }

  private stub (flavor: Flavor): StatsStub {
    let stub = this.stubs.get(flavor)
    if (stub === undefined) {
      const Service = loadService(flavor)
      // Short reconnect backoff (default max 120 s), so xray_up turns 1 soon after the API is back.
      stub = new Service(this.address, grpc.credentials.createInsecure(), {
        'grpc.initial_reconnect_backoff_ms': 500,
        'grpc.max_reconnect_backoff_ms': 3000,
        // The sidecar is local: never dial it through http_proxy/https_proxy from the environment
        // (Docker injects them), which gRPC would otherwise follow.
        'grpc.enable_http_proxy': 0,
        'grpc.max_receive_message_length': MAX_MESSAGE_MB * 1024 * 1024,
      }) as unknown as StatsStub
      this.stubs.set(flavor, stub)
    }
    return stub
  }
}

function call<Req, Res> (fn: Unary<Req, Res>, req: Req, deadline: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, { deadline }, (err, res) => { if (err !== null || res === undefined) reject(err ?? new Error('empty answer')); else resolve(res) })
  })
}
