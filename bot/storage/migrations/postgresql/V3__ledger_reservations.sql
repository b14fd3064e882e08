-- The jobs table becomes the single source of truth for quotas, spend and pending slots.
-- charge_images / charge_cost are what a job counts against quotas and budgets: the request's
-- image count and cost estimate from admission on, settled once when the job ends. `owner` is
-- the process instance running the job (see `processes`), so a crash is reconciled at once.
DROP VIEW usage;

ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'));

ALTER TABLE jobs
    ADD COLUMN estimate      NUMERIC(14, 6),
    ADD COLUMN charge_images INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN charge_cost   NUMERIC(14, 6) NOT NULL DEFAULT 0,
    ADD COLUMN cost_source   VARCHAR(16),
    ADD COLUMN owner         VARCHAR(40),
    ADD COLUMN reply_token   TEXT;

UPDATE jobs
SET charge_images = CASE WHEN status = 'done' THEN image_count ELSE 0 END,
    charge_cost = COALESCE(cost, 0),
    cost_source = CASE WHEN cost IS NULL THEN NULL ELSE 'reported' END;

DROP INDEX ix_jobs_user;
CREATE INDEX ix_jobs_user_created ON jobs (user_id, created_at);
CREATE INDEX ix_jobs_created ON jobs (created_at);
CREATE INDEX ix_jobs_status_owner ON jobs (status, owner);

-- One row per running bot process; a job whose owner's heartbeat is older than the lease is
-- reconciled by any other process. `host` and `pid` let a restart on the same host see at
-- once that the previous run is gone (its pid is dead, or is the new process's own).
CREATE TABLE processes (
    instance_id  VARCHAR(40) PRIMARY KEY,
    host         VARCHAR(255) NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL
);

-- Usage is derived from jobs; this view is the per-day shape for operators' ad hoc queries.
CREATE VIEW usage AS
SELECT guild_id,
       user_id,
       (created_at AT TIME ZONE 'UTC')::date AS day,
       COUNT(*) FILTER (WHERE status IN ('queued', 'running', 'done')) AS generations,
       COALESCE(SUM(charge_images), 0) AS images,
       COALESCE(SUM(charge_cost), 0) AS cost
FROM jobs
GROUP BY guild_id, user_id, (created_at AT TIME ZONE 'UTC')::date;
