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
  {
    // Apollo Server's plugin interface types every hook as returning a Promise: `async` is how a
    // hook meets it, and keeps a throw in the hook a rejection.
    files: [
      'gateway/src/auth/rate-limit.ts',
      'gateway/src/http/operation-plugin.ts',
      'gateway/src/http/plugins.ts',
      'gateway/src/inputs/plugin.ts',
      'gateway/src/trusted-documents/plugin.ts',
      'gateway/src/cost/demand-control.ts',
      'platform/src/http/server-span.ts',
      'subgraph-wallet/src/http/graphql-server.ts',
    ],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // The OpenTelemetry SDK is loaded lazily, by a synchronous require() inside startTracing and
    // startInMemoryTracing, so that tracing off loads none of it (import() would make start-up async).
    files: ['platform/src/tracing/sdk.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'chaos/**/*.ts'],
    rules: {
      // Test doubles implement Promise-returning interfaces (fetch, kafkajs handlers, stores) with
      // `async`, so a throw in one is a rejection as it is in the real thing.
      '@typescript-eslint/require-await': 'off',
      // Jest's asymmetric matchers (expect.any, expect.stringMatching, ...) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
