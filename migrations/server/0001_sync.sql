-- The sync server's schema. It holds sealed changes and who may read and write them; nothing
-- here is patient data (the server has no clinic key).

CREATE TABLE clinic (
    id          UUID PRIMARY KEY,         -- the clinic's sync id (its clinic record's id)
    key_id      TEXT NOT NULL,            -- which clinic key seals its changes
    -- The next cursor to give. Taken under this row's lock inside the pushing transaction, so
    -- cursors are handed out in commit order and a reader never passes over a late commit.
    next_cursor BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE device (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinic (id),
    code          TEXT NOT NULL,
    token_hash    BYTEA NOT NULL UNIQUE,    -- SHA-256 of the bearer token
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ,
    last_seen_at  TIMESTAMPTZ,
    -- The highest sequence number held from this device with none missing below it.
    acked_through BIGINT NOT NULL DEFAULT 0,
    UNIQUE (clinic_id, code)
);

CREATE TABLE pairing (
    token_hash BYTEA PRIMARY KEY,
    clinic_id  UUID NOT NULL REFERENCES clinic (id),
    created_by UUID NOT NULL REFERENCES device (id),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

CREATE TABLE change (
    clinic_id   UUID NOT NULL REFERENCES clinic (id),
    cursor      BIGINT NOT NULL,
    change_id   UUID NOT NULL,
    device_id   UUID NOT NULL REFERENCES device (id),
    device_seq  BIGINT NOT NULL,
    envelope    TEXT NOT NULL,             -- the sealed change as the device sent it (JSON)
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (clinic_id, cursor),
    UNIQUE (clinic_id, change_id),
    UNIQUE (device_id, device_seq)
);
