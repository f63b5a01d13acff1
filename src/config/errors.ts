/** A configuration problem; every line names the YAML path it is about. */
export class ConfigError extends Error {
  constructor (readonly problems: string[], readonly source: string) {
    super(`invalid config (${source}):\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

/** Formats a path like `targets[2].via[0]` from zod's path segments. */
export function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else out += out === '' ? String(seg) : `.${String(seg)}`
  }
  return out === '' ? '(root)' : out
}
