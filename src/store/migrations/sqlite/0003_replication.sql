-- Replication: a replica instance keeps the source's id in its own region.
ALTER TABLE instances ADD COLUMN source_region TEXT;   -- set on a replica
ALTER TABLE instances ADD COLUMN replica_region TEXT;  -- set on a replicated source

CREATE TABLE traffic_distribution_groups (
  account_id  TEXT NOT NULL,
  region      TEXT NOT NULL,   -- home region: where it was created (the instance's source region)
  id          TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT,
  is_default  INTEGER NOT NULL,
  created_ms  INTEGER NOT NULL,
  deleted_ms  INTEGER,         -- set: PENDING_DELETION for the transient delay, then gone
  PRIMARY KEY (account_id, region, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX traffic_distribution_groups_name ON traffic_distribution_groups (account_id, region, name);
