/**
 * Every export that another folder imports has a doc comment: what a newcomer reads at the seam
 * between two parts of the program. The imports are read with TypeScript's own parser (the
 * compiler is a dev dependency already); a name is looked up in the module it is imported from,
 * following `export { x } from` and `export *` re-exports.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const FOLDERS = ['src', 'mixin']

function files (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

const sources = new Map<string, ts.SourceFile>()
function source (file: string): ts.SourceFile {
  let sf = sources.get(file)
  if (sf === undefined) { sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true); sources.set(file, sf) }
  return sf
}

/** `./x.js` from `file` → the .ts file, or undefined for packages. */
function resolveImport (file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined
  const ts_ = resolve(dirname(file), spec.replace(/\.js$/, '.ts'))
  return existsSync(ts_) ? ts_ : undefined
}

const hasDoc = (node: ts.Node): boolean => ts.getJSDocCommentsAndTags(node).length > 0

/** Whether `name`, exported by `file`, has a doc comment where it is declared (undefined: not found). */
function documented (file: string, name: string, seen = new Set<string>()): boolean | undefined {
  if (seen.has(`${file}#${name}`)) return undefined
  seen.add(`${file}#${name}`)
  const sf = source(file)
  for (const st of sf.statements) {
    const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true
    if (exported && (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name?.text === name) {
      // An overloaded function is documented once, on any of its signatures.
      return hasDoc(st) || sf.statements.some((o) => ts.isFunctionDeclaration(o) && o.name?.text === name && hasDoc(o))
    }
    if (exported && ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)) return hasDoc(st)
    if (ts.isExportDeclaration(st) && st.exportClause !== undefined && ts.isNamedExports(st.exportClause)) {
      const el = st.exportClause.elements.find((e) => e.name.text === name)
      if (el === undefined) continue
      const local = (el.propertyName ?? el.name).text
      const from = st.moduleSpecifier === undefined ? undefined : resolveImport(file, (st.moduleSpecifier as ts.StringLiteral).text)
      if (from !== undefined) return documented(from, local, seen)
      // `export type { X }` of an imported name: follow the import; a package's name is
      // documented on the re-export itself.
      const imp = importOf(sf, local)
      return imp === undefined ? hasDoc(st) : documented(imp.file, imp.name, seen)
    }
    if (ts.isExportDeclaration(st) && st.exportClause === undefined && st.moduleSpecifier !== undefined) {
      const from = resolveImport(file, (st.moduleSpecifier as ts.StringLiteral).text)
      const found = from === undefined ? undefined : documented(from, name, seen)
      if (found !== undefined) return found
    }
  }
  return undefined
}

function importOf (sf: ts.SourceFile, local: string): { file: string, name: string } | undefined {
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue
    const from = resolveImport(sf.fileName, (st.moduleSpecifier as ts.StringLiteral).text)
    const named = st.importClause?.namedBindings
    if (from === undefined || named === undefined || !ts.isNamedImports(named)) continue
    const el = named.elements.find((e) => e.name.text === local)
    if (el !== undefined) return { file: from, name: (el.propertyName ?? el.name).text }
  }
  return undefined
}

it('every export another folder imports has a doc comment', () => {
  const missing = new Set<string>()
  for (const file of FOLDERS.flatMap((f) => files(join(ROOT, f)))) {
    for (const st of source(file).statements) {
      if (!ts.isImportDeclaration(st)) continue
      const from = resolveImport(file, (st.moduleSpecifier as ts.StringLiteral).text)
      if (from === undefined || dirname(from) === dirname(file)) continue
      const named = st.importClause?.namedBindings
      if (named === undefined || !ts.isNamedImports(named)) continue
      for (const el of named.elements) {
        const name = (el.propertyName ?? el.name).text
        if (documented(from, name) !== true) missing.add(`${relative(ROOT, from)}: ${name}`)
      }
    }
  }
  expect([...missing].sort()).toEqual([])
})
