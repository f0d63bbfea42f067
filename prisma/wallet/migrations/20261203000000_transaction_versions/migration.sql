-- Read-your-writes (issue 17): the balance version each side of a transfer reached with it, so a
-- retried mutation (idempotent replay) and later reads return the same versions. Null for
-- transfers recorded before this migration.

-- AlterTable
ALTER TABLE `transactions` ADD COLUMN `version_from` INTEGER NULL, ADD COLUMN `version_to` INTEGER NULL;
