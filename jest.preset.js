// Shared Jest settings for every workspace: swc for speed, NodeNext `.js` imports mapped to sources.
const path = require('node:path');

/** @param {string} dir the package folder  @param {string} name its display name */
module.exports = function jestProject(dir, name, extra = {}) {
  return {
    displayName: name,
    rootDir: dir,
    testEnvironment: 'node',
    transform: {
      '^.+\\.(t|j)sx?$': [
        require.resolve('@swc/jest'),
        { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022' }, module: { type: 'commonjs' } },
      ],
    },
    moduleNameMapper: {
      '^(\\.{1,2}/.*)\\.js$': '$1',
      // The platform's doors (package.json `exports`); there is no root door.
      '^@walletgraph/platform/(core|http|db|kafka|auth)$': path.join(__dirname, 'platform/src/$1/index.ts'),
      '^@walletgraph/sdk$': path.join(__dirname, 'sdk/src/index.ts'),
    },
    testTimeout: 60_000,
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    ...extra,
  };
};
