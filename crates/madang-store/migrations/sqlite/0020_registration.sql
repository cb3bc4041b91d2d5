-- Registration (SQLite): invitations from the super administrator, and the attempts that
-- rate-limit the registration form. The mode itself (closed, open, by invitation) is the
-- site setting `registration`; missing means closed.

-- An invitation for one e-mail address: only the SHA-256 of its token is stored; it works
-- once (used_at, used_by), until expires_at, unless revoked. Rows stay as a record.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    level BIGINT NOT NULL,
    created_by BIGINT REFERENCES members(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by BIGINT REFERENCES members(id),
    revoked_at BIGINT
);
CREATE INDEX invitations_by_created ON invitations (created_at);

-- Each submitted registration form, by (shortened) address, for the rate limit.
CREATE TABLE registration_attempts (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    ip TEXT NOT NULL
);
CREATE INDEX registration_attempts_by_ip ON registration_attempts (ip, at);

-- E-mail addresses are compared without letter case when someone registers.
CREATE INDEX members_by_email ON members (LOWER(email));
