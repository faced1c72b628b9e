-- Failed sign-ins, shared by every web instance: counted per (account, address) and per address
-- within a sliding window (auth/LoginThrottle), so a stranger's failures never lock an account out
-- for its owner signing in from elsewhere. Rows older than the window are purged.
CREATE TABLE sign_in_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- the email as typed, lower-cased; it need not name an account
    account    text NOT NULL CHECK (length(account) <= 400),
    -- the client address (see WEB_TRUSTED_PROXIES), as text
    address    text NOT NULL CHECK (length(address) <= 64),
    failed_at  timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_account_idx ON sign_in_failures (account, address, failed_at);
CREATE INDEX sign_in_failures_address_idx ON sign_in_failures (address, failed_at);
CREATE INDEX sign_in_failures_failed_at_idx ON sign_in_failures (failed_at);

ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz;

-- API keys made with `ctops apikey create --expires-in` stop working at this time; NULL: never.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
