/**
 * Regular expressions from the config (`expect.body_regex`, `body_not_regex`, `classify[].body_regex`,
 * `expect.banner`) meet bytes a target chose, so they run on an RE2 engine: linear in the input,
 * whatever the pattern, as blackbox_exporter's Go `regexp`. V8's backtracking engine froze the
 * process for 74 s on `^(a+)+$` against a 32-byte banner. re2js is RE2's JavaScript port (pure
 * JS: no native build, the same on Node 20 and 24); RE2 has no backreferences or lookaround,
 * and a pattern that uses them is refused when the config loads.
 */
import { RE2JS } from 're2js'

/** A compiled RE2 pattern: linear-time matching, so nothing from the network meets a backtracking regex. */
export class Pattern {
  private readonly re: RE2JS

  /** Throws with RE2's reason when the pattern is not RE2 syntax. */
  constructor (readonly source: string) {
    this.re = RE2JS.compile(source)
  }

  /** Whether the pattern matches anywhere in `text` (as RegExp.prototype.test). */
  test (text: string): boolean {
    return this.re.matcher(text).find()
  }

  toString (): string { return `/${this.source}/` }

  /** For config fingerprints (a reload compares them): the source says it all. */
  toJSON (): string { return this.source }
}
