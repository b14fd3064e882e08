-- The jobs table becomes the single source of truth for quotas, spend and pending slots.
-- charge_images / charge_cost are what a job counts against quotas and budgets: the request's
-- image count and cost estimate from admission on, settled once when the job ends. `owner` is
-- the process instance running the job (see `processes`), so a crash is reconciled at once.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (the view first).
DROP VIEW usage;

CREATE TABLE jobs_v3 (
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
        CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
    message_id                   BIGINT,
    interaction_token_expires_at DATETIME,
    image_count                  INTEGER NOT NULL DEFAULT 0,
    bytes                        BIGINT NOT NULL DEFAULT 0,
    cost                         REAL,
    generation_id                TEXT,
    error                        TEXT,
    created_at                   DATETIME NOT NULL,
    started_at                   DATETIME,
    finished_at                  DATETIME,
    extra_message_ids            JSON NOT NULL DEFAULT '[]',
    estimate                     REAL,
    charge_images                INTEGER NOT NULL DEFAULT 0,
    charge_cost                  REAL NOT NULL DEFAULT 0,
    cost_source                  VARCHAR(16),
    owner                        VARCHAR(40),
    reply_token                  TEXT
);

INSERT INTO jobs_v3 (
    id, guild_id, channel_id, user_id, kind, model, prompt, options, status, message_id,
    interaction_token_expires_at, image_count, bytes, cost, generation_id, error, created_at,
    started_at, finished_at, extra_message_ids, charge_images, charge_cost, cost_source
)
SELECT id, guild_id, channel_id, user_id, kind, model, prompt, options, status, message_id,
       interaction_token_expires_at, image_count, bytes, cost, generation_id, error, created_at,
       started_at, finished_at, extra_message_ids,
       CASE WHEN status = 'done' THEN image_count ELSE 0 END,
       COALESCE(cost, 0),
       CASE WHEN cost IS NULL THEN NULL ELSE 'reported' END
FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_v3 RENAME TO jobs;

CREATE INDEX ix_jobs_guild_user_created ON jobs (guild_id, user_id, created_at);
CREATE INDEX ix_jobs_guild_created ON jobs (guild_id, created_at);
CREATE INDEX ix_jobs_user_created ON jobs (user_id, created_at);
CREATE INDEX ix_jobs_created ON jobs (created_at);
CREATE INDEX ix_jobs_status_owner ON jobs (status, owner);

-- One row per running bot process; a job whose owner's heartbeat is older than the lease is
-- reconciled by any other process. `host` and `pid` let a restart on the same host see at
-- once that the previous run is gone (its pid is dead, or is the new process's own).
CREATE TABLE processes (
    instance_id  VARCHAR(40) PRIMARY KEY NOT NULL,
    host         VARCHAR(255) NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   DATETIME NOT NULL,
    heartbeat_at DATETIME NOT NULL
);

-- Usage is derived from jobs; this view is the per-day shape for operators' ad hoc queries.
CREATE VIEW usage AS
SELECT guild_id,
       user_id,
       date(created_at) AS day,
       SUM(CASE WHEN status IN ('queued', 'running', 'done') THEN 1 ELSE 0 END) AS generations,
       SUM(charge_images) AS images,
       SUM(charge_cost) AS cost
FROM jobs
GROUP BY guild_id, user_id, date(created_at);
