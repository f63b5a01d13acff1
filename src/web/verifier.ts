/**
 * Basic-auth password checks as exporter-toolkit does them (web/handler.go), plus what Node
 * needs: the bcrypt comparison runs on libuv's thread pool (@node-rs/bcrypt, native and async:
 * bcryptjs held the event loop 89 ms per check), one at a time as behind exporter-toolkit's
 * mutex, with a bounded queue (a flood of wrong passwords gets "busy" at once, not an ever-longer
 * wait), and a cache of successes only, so failed attempts can never push Prometheus's
 * credentials out of it.
 */
import { createHash } from 'node:crypto'
import { verify } from '@node-rs/bcrypt'

/** bcrypt of "fakepassword": unknown users cost as much as known ones (no user enumeration by timing). */
const FAKE_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi'

export type Verdict = 'ok' | 'denied' | 'busy'

export interface VerifierOptions {
  /** Comparisons waiting for their turn before further ones are refused as busy. */
  maxWaiting?: number
  /** Successful credentials remembered (least recently used go first). */
  cacheSize?: number
  /** The comparison itself (tests inject a slow or counting one). */
  compare?: (password: string, hash: string) => Promise<boolean>
}

export class Verifier {
  private busy = false
  private readonly waiting: (() => void)[] = []
  private readonly successes = new Map<string, true>()
  private readonly maxWaiting: number
  private readonly cacheSize: number
  private readonly compare: (password: string, hash: string) => Promise<boolean>

  constructor (o: VerifierOptions = {}) {
    this.maxWaiting = o.maxWaiting ?? 16
    this.cacheSize = o.cacheSize ?? 100
    this.compare = o.compare ?? (async (p, h) => await verify(p, h))
  }

  /** Checks `password` for `user` against the configured users (user → bcrypt hash). */
  async check (users: Record<string, string>, user: string, password: string): Promise<Verdict> {
    const known = Object.hasOwn(users, user) ? users[user] : undefined
    const hash = known ?? FAKE_HASH
    const key = createHash('sha256').update(`${user}\u0000${hash}\u0000${password}`).digest('hex')
    if (known !== undefined && this.successes.delete(key)) { this.successes.set(key, true); return 'ok' }
    const matched = await this.serialized(async () => await this.compare(password, hash).catch(() => false))
    if (matched === 'busy') return 'busy'
    if (!matched || known === undefined) return 'denied'
    if (this.successes.size >= this.cacheSize) this.successes.delete(this.successes.keys().next().value!)
    this.successes.set(key, true)
    return 'ok'
  }

  /** One comparison at a time; the turn passes straight to the next waiting one. */
  private async serialized<T> (run: () => Promise<T>): Promise<T | 'busy'> {
    if (this.busy) {
      if (this.waiting.length >= this.maxWaiting) return 'busy'
      await new Promise<void>((resolve) => { this.waiting.push(resolve) })
    } else {
      this.busy = true
    }
    try {
      return await run()
    } finally {
      const next = this.waiting.shift()
      if (next !== undefined) next()
      else this.busy = false
    }
  }
}
