/**
 * Reads a file the user named (config, web config, certificates, CA bundles) without trusting
 * what it is: opened without blocking (a FIFO would otherwise wait for a writer forever, with
 * SIGTERM ignored), refused unless it is a regular file (/dev/zero grew memory by 0.5 GB/s), and
 * read through that one descriptor, at most `maxBytes` + 1 bytes whatever fstat said.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'

/** A file that cannot be used, with a one-line reason (no stack, no content). */
export class FileProblem extends Error {
  constructor (message: string) { super(message); this.name = 'FileProblem' }

  /** The problem in a sentence naming the file: `cannot read "x": ENOENT`, `"x" is not a regular file (a named pipe)`. */
  about (file: string): string {
    return this.message.startsWith('cannot read: ') ? `cannot read "${file}": ${this.message.slice(13)}` : `"${file}" is ${this.message}`
  }
}

/** Reads a regular file of at most `maxBytes` without blocking on a FIFO or device; throws a FileProblem naming what is wrong. */
export function readBoundedFile (file: string, maxBytes: number): { data: Buffer, stats: Stats } {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    throw new FileProblem(`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new FileProblem(`not a regular file (${kind(stats)})`)
    if (stats.size > maxBytes) throw new FileProblem(`larger than ${describeBytes(maxBytes)}`)
    // fstat's size is a hint: the file can grow while it is read. One byte more than the bound
    // tells that it did.
    const data = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(stats.size, 4096)))
    let length = 0
    for (;;) {
      if (length === data.length) break
      const n = readSync(fd, data, length, data.length - length, null)
      if (n === 0) break
      length += n
    }
    if (length > maxBytes) throw new FileProblem(`larger than ${describeBytes(maxBytes)}`)
    return { data: data.subarray(0, length), stats }
  } finally {
    closeSync(fd)
  }
}

function kind (s: Stats): string {
  if (s.isDirectory()) return 'a directory'
  if (s.isFIFO()) return 'a named pipe'
  if (s.isCharacterDevice()) return 'a character device'
  if (s.isBlockDevice()) return 'a block device'
  if (s.isSocket()) return 'a socket'
  return 'not a file'
}

export function describeBytes (n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`
}
