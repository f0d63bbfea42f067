// `@walletgraph/platform/db`: the MariaDB driver (pool, connection URL, migration applier).
// The classifiers of database errors live in core: an HTTP layer may ask "was that the database
// being down?" without loading the driver.
export * from './mysql-url.js';
export * from './migrations.js';
export * from './pool.js';
export * from './round-trip.js';
export * from './driver-transaction.js';
