-- Email uniqueness: case-insensitive but accent-sensitive (issue 14).
-- The unique index on `email` compared with utf8mb4_unicode_ci, which ignores accents: a client
-- `lucas@l.com` blocked anyone from signing up as `lücas@l.com`. Uniqueness moves to `email_key`,
-- the address normalised by the application (lower case, then Unicode NFC) and compared byte for
-- byte (utf8mb4_bin). Existing rows get LOWER(email): the application has always stored emails in
-- lower case, and two rows whose LOWER() is equal were equal under the old index too, so the
-- backfill cannot collide. Runs on MariaDB 10.11 and MySQL 8.4.

-- AlterTable
ALTER TABLE `clients` ADD COLUMN `email_key` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;

UPDATE `clients` SET `email_key` = LOWER(`email`);

ALTER TABLE `clients` MODIFY `email_key` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

-- DropIndex
ALTER TABLE `clients` DROP INDEX `clients_email_key`;

-- CreateIndex
CREATE UNIQUE INDEX `clients_email_key_key` ON `clients`(`email_key`);
