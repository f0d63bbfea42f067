export * from './identity.js';
export * from './tokens.js';
export * from './config.js';
export * from './rest.js';
export * from './internal-request.js';
