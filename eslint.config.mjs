// ESLint over every workspace: typescript-eslint's type-checked rules on TypeScript (each file
// checked with the tsconfig that builds or typechecks it), ESLint's recommended rules on the
// scripts (.mjs/.cjs/.js). Formatting is Prettier's job (.prettierrc.json), never ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const tsProjects = [
  './platform/tsconfig.test.json',
  './subgraph-wallet/tsconfig.test.json',
  './subgraph-balance/tsconfig.test.json',
  './gateway/tsconfig.test.json',
  './gateway/tsconfig.client.json',
  './sdk/tsconfig.json',
  './sdk/test/tsconfig.json',
  './chaos/tsconfig.json',
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      '**/coverage/**',
      'gateway/public/**',
      'bench/results/**',
      'chaos/results/**',
      'sdk/test/types/must-fail.ts',
      '.turbo/**',
    ],
  },
  {
    files: ['**/*.{mjs,cjs,js}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['gateway/public/**/*.js', 'gateway/src/playground/**/*.{js,mjs}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: tsProjects, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
