-- The bookkeeping table sqlx's migrator creates in every mostrod database
-- (sqlx-sqlite, migrate.rs). import-mostrod must leave it behind.
CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);
INSERT INTO _sqlx_migrations(version, description, success, checksum, execution_time)
  VALUES (20221222153301, 'orders', 1, X'00', 1);
