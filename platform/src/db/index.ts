export * from './mysql-url.js';
export * from './errors.js';
export * from './migrations.js';
export * from './pool.js';
