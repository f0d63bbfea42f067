// The whole suite: one Jest run, one set of real infrastructure (see scripts/jest/).
module.exports = {
  globalSetup: '<rootDir>/scripts/jest/global-setup.mjs',
  globalTeardown: '<rootDir>/scripts/jest/global-teardown.mjs',
  projects: ['<rootDir>/platform', '<rootDir>/subgraph-wallet', '<rootDir>/subgraph-balance', '<rootDir>/gateway', '<rootDir>/sdk', '<rootDir>/chaos'],
  testTimeout: 60_000,
};
