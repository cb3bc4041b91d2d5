-- Sessions, login attempts, per-board and per-group administrators (SQLite).
CREATE TABLE sessions (
    -- SHA-256 of the cookie's value: a copy of the database does not give live sessions.
    id_hash TEXT PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_member ON sessions (member_id);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    login_key TEXT NOT NULL,
    ip TEXT NOT NULL,
    success BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_by_login ON login_attempts (login_key, at);
CREATE INDEX login_attempts_by_ip ON login_attempts (ip, at);

CREATE TABLE board_admins (
    board_id BIGINT NOT NULL REFERENCES boards(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    PRIMARY KEY (board_id, member_id)
);

CREATE TABLE group_admins (
    group_id BIGINT NOT NULL REFERENCES menu_groups(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    PRIMARY KEY (group_id, member_id)
);

ALTER TABLE members ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE audit_log ADD COLUMN ip TEXT NOT NULL DEFAULT '';
