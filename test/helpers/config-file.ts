/** Config files for tests that run the CLI: written into one folder of the run's temporary space. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let dir: string | undefined

/** Writes `body` to a file named `name` and returns its path. */
export function configFile (name: string, body: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'egress-prober-config-'))
  const file = join(dir, name)
  writeFileSync(file, body)
  return file
}
