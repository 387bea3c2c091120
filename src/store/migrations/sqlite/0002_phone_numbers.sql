-- Number blocks of the inventory (the numbers themselves are never stored until claimed).
CREATE TABLE blocks (
  id      INTEGER PRIMARY KEY,
  country TEXT NOT NULL,
  type    TEXT NOT NULL,
  prefix  TEXT NOT NULL,
  length  INTEGER NOT NULL,
  UNIQUE (country, type, prefix, length)
);

-- One row per claimed (or importing, updating, failed) number of an account and home region.
CREATE TABLE phone_numbers (
  id             TEXT PRIMARY KEY,
  account_id     TEXT NOT NULL,
  region         TEXT NOT NULL,
  number         TEXT NOT NULL,
  country        TEXT NOT NULL,
  type           TEXT NOT NULL,
  target_arn     TEXT NOT NULL,
  description    TEXT,
  source_arn     TEXT,
  workflow       TEXT NOT NULL,   -- CLAIM | UPDATE | METADATA: the last workflow started
  started_ms     INTEGER NOT NULL,
  settles_ms     INTEGER NOT NULL,
  failed_message TEXT,            -- set: the workflow settles to FAILED with this message
  flow_arn       TEXT
);
CREATE INDEX phone_numbers_scope ON phone_numbers (account_id, region, number);
CREATE INDEX phone_numbers_number ON phone_numbers (number);
CREATE INDEX phone_numbers_target ON phone_numbers (target_arn, number);

-- The one authority on who holds a number, across accounts and nodes: a claim inserts the row or
-- takes over an expired one in a single statement.
CREATE TABLE number_holds (
  number          TEXT PRIMARY KEY,
  held_until_ms   INTEGER NOT NULL,
  phone_number_id TEXT
) WITHOUT ROWID;

-- Releases, for the claim-release rule.
CREATE TABLE releases (
  account_id  TEXT NOT NULL,
  region      TEXT NOT NULL,
  released_ms INTEGER NOT NULL,
  number      TEXT NOT NULL
);
CREATE INDEX releases_scope ON releases (account_id, region, released_ms);

-- Numbers stocked for ImportPhoneNumber, by their End User Messaging ARN.
CREATE TABLE external_numbers (
  source_arn TEXT PRIMARY KEY,
  number     TEXT NOT NULL,
  country    TEXT NOT NULL,
  type       TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE contact_flows (
  account_id  TEXT NOT NULL,
  region      TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  id          TEXT NOT NULL,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL,
  description TEXT,
  content     TEXT NOT NULL,
  status      TEXT NOT NULL,
  modified_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, instance_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX contact_flows_name ON contact_flows (account_id, region, instance_id, name);

-- Numbers counting toward each target's quota (every workflow not settling to FAILED), kept by
-- triggers so a quota check costs one lookup however many numbers the target holds.
CREATE TABLE target_usage (
  target_arn TEXT PRIMARY KEY,
  numbers    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER phone_numbers_usage_insert AFTER INSERT ON phone_numbers WHEN NEW.failed_message IS NULL
BEGIN
  INSERT INTO target_usage (target_arn, numbers) VALUES (NEW.target_arn, 1)
    ON CONFLICT (target_arn) DO UPDATE SET numbers = numbers + 1;
END;

CREATE TRIGGER phone_numbers_usage_delete AFTER DELETE ON phone_numbers WHEN OLD.failed_message IS NULL
BEGIN
  UPDATE target_usage SET numbers = numbers - 1 WHERE target_arn = OLD.target_arn;
END;

CREATE TRIGGER phone_numbers_usage_update AFTER UPDATE OF target_arn, failed_message ON phone_numbers
BEGIN
  UPDATE target_usage SET numbers = numbers - 1 WHERE target_arn = OLD.target_arn AND OLD.failed_message IS NULL;
  INSERT INTO target_usage (target_arn, numbers) SELECT NEW.target_arn, 1 WHERE NEW.failed_message IS NULL
    ON CONFLICT (target_arn) DO UPDATE SET numbers = numbers + 1;
END;
