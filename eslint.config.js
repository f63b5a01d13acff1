// ESLint for the TypeScript sources: the standard style (neostandard) and typescript-eslint's
// type-checked recommended rules. Run by `npm test` (pretest, with dependency-cruiser for import
// circles and layers: .dependency-cruiser.json); zero findings is the bar.
import neostandard from 'neostandard'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  ...neostandard({ ts: true, noJsx: true }),
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `void promise` marks a promise deliberately not awaited: typescript-eslint's
      // no-floating-promises asks for exactly that, so standard's no-void allows it as a statement.
      'no-void': ['error', { allowAsStatement: true }],
      // A leading underscore names what a signature needs but the body does not use (Express's
      // four-argument error handler, a field left out of a copy).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read state with `waitFor(async () => …)`: an async reader without an await is the
    // idiom there; vitest's asymmetric matchers (`expect.any(Number)`) are typed `any`.
    files: ['test/**/*.ts'],
    // Tests write `${VAR}` in plain strings: the config's environment references, not templates.
    rules: { '@typescript-eslint/require-await': 'off', '@typescript-eslint/no-unsafe-assignment': 'off', 'no-template-curly-in-string': 'off' },
  },
)
