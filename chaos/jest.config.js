// The chaos suite as a project of the root Jest run: real processes, their own broker and databases.
module.exports = require('../jest.preset.js')(__dirname, 'chaos', {
  testMatch: ['<rootDir>/**/*.chaos.test.ts'],
  // Each scenario runs load, a fault, recovery and the invariant checks.
  testTimeout: 300_000,
});
