// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Type information for the rules below, from the tsconfig.json that includes each file. The
      // plain JS files (ecosystem, jest and this config) are in no tsconfig: they get no typed rules.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-await-in-loop': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Type-aware: the promise mistakes of an async service. A promise nobody awaits loses its
      // rejection and its ordering (a flush after close, a write after exit); one passed where a
      // callback's return is ignored (an event listener, a timer, http.createServer) does the same.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `return promise` inside try/catch/finally leaves before it settles: catch misses its
      // rejection, finally runs too early.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      'require-await': 'off',
      '@typescript-eslint/require-await': 'error',
    },
  },
  {
    // Module boundaries: layers point one way (no import cycle anywhere), and a folder of shared/ is
    // used through its index.ts, so what it exports is what others may use.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./[a-z-]+/.+',
              message:
                'Import another shared/ folder through its index.ts (`../<folder>`), not one of its files.',
            },
            {
              regex: '^(\\.\\./)+(services|scripts|domain|bench|test)(/|$)',
              message: 'shared/ is a kit: it knows no service, script or domain code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/**/*.ts', 'domain/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)shared/[a-z-]+/.+',
              message:
                'Import a shared/ folder through its index.ts (`shared/<folder>`), not one of its files.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benchmarks await in loops on purpose: sequential steps against a live fleet, and
    // measurements that must not overlap.
    files: ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'],
    rules: { 'no-await-in-loop': 'off' },
  },
  {
    // Fakes of async APIs in tests are `async` without awaiting anything, so that a throw becomes a
    // rejection as in the real thing.
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'error' },
  },
  prettier,
);
