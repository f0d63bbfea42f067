-- CreateTable
CREATE TABLE `balance_history` (
    `account_id` CHAR(36) NOT NULL,
    `version` INTEGER NOT NULL,
    `amount` DECIMAL(19, 4) NOT NULL,
    `transaction_id` CHAR(36) NULL,
    `recorded_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `balance_history_recorded_at_idx`(`recorded_at`),
    PRIMARY KEY (`account_id`, `version`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
