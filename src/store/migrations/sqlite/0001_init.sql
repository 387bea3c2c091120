CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE instances (
  account_id               TEXT NOT NULL,
  region                   TEXT NOT NULL,
  id                       TEXT NOT NULL,
  identity_management_type TEXT NOT NULL,
  alias                    TEXT,
  alias_key                TEXT,
  directory_id             TEXT,
  inbound_calls            INTEGER NOT NULL,
  outbound_calls           INTEGER NOT NULL,
  service_role             TEXT NOT NULL,
  created_ms               INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, id)
) WITHOUT ROWID;
-- An alias names one instance per region (it is part of the access URL).
CREATE UNIQUE INDEX instances_alias ON instances (region, alias_key) WHERE alias_key IS NOT NULL;

CREATE TABLE tags (
  resource_arn TEXT NOT NULL,
  key          TEXT NOT NULL,
  value        TEXT NOT NULL,
  PRIMARY KEY (resource_arn, key)
) WITHOUT ROWID;

CREATE TABLE idempotency (
  account_id   TEXT NOT NULL,
  region       TEXT NOT NULL,
  operation    TEXT NOT NULL,
  token        TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  response     TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, operation, token)
) WITHOUT ROWID;
