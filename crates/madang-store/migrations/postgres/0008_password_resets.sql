-- Password reset links (PostgreSQL): single use, expiring, stored as hashes.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_by_member ON password_resets (member_id, created_at);
