-- Fine-tuning tasks (provider spec §7). Amounts and nonces are decimal strings (uint256).
-- The model's AES key is NEVER stored: only encrypted_secret, the key ECIES-encrypted to the user.
CREATE TABLE ft_task (
    id                    TEXT    PRIMARY KEY,
    created_at            BIGINT  NOT NULL, -- ms
    updated_at            BIGINT  NOT NULL, -- ms
    user_address          TEXT    NOT NULL, -- as the user sent it (checksummed by the SDK)
    user_key              TEXT    NOT NULL, -- lower-case, for lookups
    pre_trained_model_hash TEXT   NOT NULL,
    dataset_hash          TEXT    NOT NULL,
    training_params       TEXT    NOT NULL,
    fee                   TEXT    NOT NULL,
    nonce                 TEXT    NOT NULL,
    signature             TEXT    NOT NULL,
    progress              TEXT    NOT NULL,
    wait_for_queue        INTEGER NOT NULL,
    model_type            INTEGER NOT NULL,
    deliver_index         INTEGER NOT NULL DEFAULT 0,
    deliver_time          BIGINT  NOT NULL DEFAULT 0, -- unix s
    user_public_key       TEXT,
    token_count           BIGINT ,
    epochs                INTEGER,
    output_root_hash      TEXT,
    encrypted_secret      TEXT,
    retries               INTEGER NOT NULL DEFAULT 0,
    last_error            TEXT
);
CREATE INDEX ft_task_user ON ft_task (user_key, created_at);
CREATE INDEX ft_task_progress ON ft_task (progress, created_at);
