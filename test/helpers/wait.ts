/** Polls `read` until `ok` holds (bounded); returns the last value or throws with it. */
export async function waitFor<T> (read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last = await read()
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value:\n${String(last)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    last = await read()
  }
  return last
}

/** Every line must be present in the text. */
export const hasAll = (...lines: string[]) => (text: string): boolean => lines.every((l) => text.includes(l))
