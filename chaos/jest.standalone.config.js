// `npx jest --config chaos/jest.standalone.config.js`: only the chaos project, with the root
// global setup (MariaDB up, Kafka for the other suites) and teardown.
const path = require('node:path');

const root = path.resolve(__dirname, '..');
module.exports = {
  rootDir: root,
  globalSetup: '<rootDir>/scripts/jest/global-setup.mjs',
  globalTeardown: '<rootDir>/scripts/jest/global-teardown.mjs',
  projects: ['<rootDir>/chaos'],
  testTimeout: 300_000,
  // kafkajs clients of killed brokers may keep reconnect timers alive after the last test.
  forceExit: true,
};
