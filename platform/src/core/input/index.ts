export * from './plain-decimal.js';
export * from './decimal-input.js';
export * from './text.js';
