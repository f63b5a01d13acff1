// ESLint for the TypeScript sources: typescript-eslint's type-checked recommended rules, and no
// import cycles (import-x/no-cycle). Run by `npm test` (pretest); zero findings is the bar.
import tseslint from 'typescript-eslint'
import importX from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Resolves `./x.js` to `x.ts` as TypeScript does; without it no-cycle sees no graph at all.
    // and import-x reads only .js modules unless told which files are modules and how to parse them.
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver()],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // A leading underscore names what a signature needs but the body does not use (Express's
      // four-argument error handler, a field left out of a copy).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read state with `waitFor(async () => …)`: an async reader without an await is the
    // idiom there; vitest's asymmetric matchers (`expect.any(Number)`) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off', '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
)
