export * from './decimal-input.js';
export * from './json-number-text.js';
export * from './text.js';
