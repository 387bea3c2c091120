-- Instance attributes set through UpdateInstanceAttribute. INBOUND_CALLS and OUTBOUND_CALLS are the
-- instance's own columns; an attribute without a row has the default of a new instance.
CREATE TABLE instance_attributes (
  account_id     TEXT COLLATE "C" NOT NULL,
  region         TEXT COLLATE "C" NOT NULL,
  instance_id    TEXT COLLATE "C" NOT NULL,
  attribute_type TEXT COLLATE "C" NOT NULL,
  value          TEXT NOT NULL,
  PRIMARY KEY (account_id, region, instance_id, attribute_type)
);

-- A flow is ACTIVE or ARCHIVED (UpdateContactFlowMetadata).
ALTER TABLE contact_flows ADD COLUMN state TEXT NOT NULL DEFAULT 'ACTIVE';
