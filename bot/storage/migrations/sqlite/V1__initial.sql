-- Initial schema (SQLite). Applied by bot.storage.migrations.migrate inside BEGIN IMMEDIATE.
-- Timestamps are naive UTC text written by SQLAlchemy ('YYYY-MM-DD HH:MM:SS.ffffff'), which
-- sorts and compares correctly as text. JSON columns hold JSON text.

CREATE TABLE guild_settings (
    guild_id   BIGINT PRIMARY KEY,
    data       JSON NOT NULL DEFAULT '{}',
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at DATETIME NOT NULL
);

CREATE TABLE channel_settings (
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    data       JSON NOT NULL DEFAULT '{}',
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);

CREATE TABLE jobs (
    id                           VARCHAR(16) PRIMARY KEY NOT NULL,
    guild_id                     BIGINT,
    channel_id                   BIGINT,
    user_id                      BIGINT NOT NULL,
    kind                         VARCHAR(16) NOT NULL
        CHECK (kind IN ('imagine', 'chatimage', 'edit')),
    model                        TEXT NOT NULL,
    prompt                       TEXT NOT NULL,
    options                      JSON NOT NULL DEFAULT '{}',
    status                       VARCHAR(16) NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'done', 'failed')),
    message_id                   BIGINT,
    interaction_token_expires_at DATETIME,
    image_count                  INTEGER NOT NULL DEFAULT 0,
    bytes                        BIGINT NOT NULL DEFAULT 0,
    cost                         REAL,
    generation_id                TEXT,
    error                        TEXT,
    created_at                   DATETIME NOT NULL,
    started_at                   DATETIME,
    finished_at                  DATETIME
);
CREATE INDEX ix_jobs_guild_user_created ON jobs (guild_id, user_id, created_at);
CREATE INDEX ix_jobs_guild_created ON jobs (guild_id, created_at);
CREATE INDEX ix_jobs_user ON jobs (user_id);

CREATE TABLE audit_log (
    -- INTEGER PRIMARY KEY is SQLite's rowid alias (BIGINT would not auto-increment).
    id         INTEGER PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT,
    actor_id   BIGINT NOT NULL,
    action     VARCHAR(32) NOT NULL,
    field      VARCHAR(64) NOT NULL,
    old        JSON,
    new        JSON,
    created_at DATETIME NOT NULL
);
CREATE INDEX ix_audit_log_guild_id ON audit_log (guild_id, id);
CREATE INDEX ix_audit_log_actor ON audit_log (actor_id);

CREATE TABLE meta (
    key   VARCHAR(128) PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Usage is derived from jobs; this view is the per-day shape for operators' ad hoc queries.
CREATE VIEW usage AS
SELECT guild_id,
       user_id,
       date(created_at) AS day,
       SUM(CASE WHEN status <> 'failed' THEN 1 ELSE 0 END) AS generations,
       SUM(CASE WHEN status = 'done' THEN image_count ELSE 0 END) AS images,
       COALESCE(SUM(cost), 0) AS cost
FROM jobs
GROUP BY guild_id, user_id, date(created_at);
