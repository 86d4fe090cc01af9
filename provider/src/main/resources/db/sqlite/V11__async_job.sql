-- V11: async image jobs (services-and-ui.md A.4). A job points at the request row that holds its
-- reservation; the row is billed in the same transaction that marks the job completed.
--   state: pending (queued) | processing (upstream running) | completed | failed
-- A job whose request row is swept (its broker instance stopped) is failed with 'broker restarted' in the
-- sweep's transaction.
CREATE TABLE async_job (
    id            TEXT PRIMARY KEY,
    request_id    TEXT    NOT NULL,
    user_address  TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    error_message TEXT,
    -- the answer as the client gets it (JSON text), on completion
    result        TEXT,
    chat_key      TEXT
);
CREATE INDEX async_job_state ON async_job (state, updated_at);
CREATE INDEX async_job_request ON async_job (request_id);
