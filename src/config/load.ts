/** Loads the config from a YAML file or from the environment; throws ConfigError. */
import { dirname, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { buildConfig } from './build.js'
import { crossCheck } from './checks.js'
import { rawConfigFromEnv } from './env.js'
import { ConfigError, formatPath } from './errors.js'
import { FileProblem, readBoundedFile } from './read-file.js'
import { configSchema } from './schema.js'
import type { Config } from './types.js'

/** Larger than any real config (10,000 targets take about 1 MiB); bigger files are refused unread. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024
/** YAML aliases a config may expand: enough for anchors and merges, far too few for a "billion laughs". */
const MAX_ALIAS_COUNT = 100

/** Reads and validates a config file; relative paths inside it resolve against its folder. */
export function loadConfigFile (file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string
  try {
    text = readBoundedFile(file, MAX_CONFIG_BYTES).data.toString('utf8')
  } catch (err) {
    if (!(err instanceof FileProblem)) throw err
    throw new ConfigError([err.message.startsWith('larger') ? `(root): the config file is ${err.message}` : `cannot read config file: ${err.message.replace(/^cannot read: /, '')}`], file)
  }
  return parseConfigText(text, dirname(resolve(file)), file, env)
}

/** Parses YAML text, substitutes `${VAR}` / `${VAR:-default}` from env, validates and builds. */
export function parseConfigText (text: string, baseDir: string, source: string, env: NodeJS.ProcessEnv): Config {
  if (text.length > MAX_CONFIG_BYTES) throw new ConfigError([`(root): the config is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`], source)
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`), source)
  }
  let js: unknown
  try {
    js = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch {
    // yaml throws a ReferenceError when aliases expand past the limit.
    throw new ConfigError([`(root): YAML aliases expand too much (more than ${MAX_ALIAS_COUNT}); is this a "billion laughs" file?`], source)
  }
  if (js === null || js === undefined) throw new ConfigError(['(root): the config is empty'], source)
  const problems: string[] = []
  const secrets = new Map<string, string>()
  const value = substituteEnv(js, [], { env, problems, secrets, budget: MAX_CONFIG_BYTES - text.length })
  if (problems.length > 0) throw new ConfigError(problems, source)
  try {
    return validate(value, baseDir, source)
  } catch (err) {
    // Messages may quote a value (a bad regex, a bad URL): a substituted one shows as ${NAME}.
    if (err instanceof ConfigError && secrets.size > 0) throw new ConfigError(err.problems.map((p) => hideSecrets(p, secrets)), source)
    throw err
  }
}

function hideSecrets (text: string, secrets: Map<string, string>): string {
  let out = text
  // Longest first, so a value that contains another is replaced whole.
  for (const [value, name] of [...secrets].sort((a, b) => b[0].length - a[0].length)) out = out.split(value).join(name)
  return out
}

/** Builds the config from the reference deployment's environment variables. */
export function loadConfigFromEnv (env: NodeJS.ProcessEnv = process.env): Config {
  const { raw, source } = rawConfigFromEnv(env)
  return validate(raw, process.cwd(), source)
}

/** Every problem in one pass: the schema's, and the checks across fields and files. */
function validate (value: unknown, baseDir: string, source: string): Config {
  const parsed = configSchema().safeParse(value)
  const checked = crossCheck(value, baseDir)
  const problems = [...new Set([...(parsed.success ? [] : parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)), ...checked.problems])]
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems, source)
  return buildConfig(parsed.data, baseDir, source, checked.files)
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

interface Substitution { env: NodeJS.ProcessEnv, problems: string[], secrets: Map<string, string>, /** characters substitution may still add */ budget: number }

/**
 * Substitutes `${VAR}`; records each substituted value (3+ characters) to hide it in errors.
 * What substitution adds is counted against the config's bound as it goes: a small file
 * repeating a large variable must not build hundreds of megabytes before any check.
 */
function substituteEnv (v: unknown, path: (string | number)[], ctx: Substitution): unknown {
  if (typeof v === 'string') {
    return v.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const got = ctx.env[name] ?? fallback
      if (got === undefined) {
        ctx.problems.push(`${formatPath(path)}: environment variable ${name} is not set (use \${${name}:-} for an empty default)`)
        return ''
      }
      if (ctx.env[name] !== undefined && got.length >= 3) ctx.secrets.set(got, `\${${name}}`)
      ctx.budget -= got.length
      if (ctx.budget < 0) {
        if (ctx.budget + got.length >= 0) ctx.problems.push(`${formatPath(path)}: the config is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB once \${VAR}s are substituted`)
        return ''
      }
      return got
    })
  }
  if (Array.isArray(v)) return v.map((x, i) => substituteEnv(x, [...path, i], ctx))
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteEnv(x, [...path, k], ctx)]))
  }
  return v
}
