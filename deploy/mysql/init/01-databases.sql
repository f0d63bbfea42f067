-- Runs once, when the mysql container initialises an empty data volume.
-- The databases the two subgraphs own; the migrate service creates their tables.
CREATE DATABASE IF NOT EXISTS `wallet` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `ms_balance` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
