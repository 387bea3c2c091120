-- The domain computes when a record vanishes and whether it takes a quota slot; the store keeps them
-- as plain columns. Rows written by earlier versions are converted once here.
ALTER TABLE phone_numbers ADD COLUMN vanishes_ms INTEGER NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE phone_numbers ADD COLUMN counts_toward_quota INTEGER NOT NULL DEFAULT 1;
UPDATE phone_numbers SET vanishes_ms = settles_ms + 86400000 WHERE failed_message IS NOT NULL AND workflow = 'CLAIM';
UPDATE phone_numbers SET counts_toward_quota = 0 WHERE failed_message IS NOT NULL;

-- target_usage stays a materialised count of counts_toward_quota per target (a quota check is one
-- lookup however many numbers a target holds); the triggers count the plain column, nothing more.
DROP TRIGGER phone_numbers_usage_insert;
DROP TRIGGER phone_numbers_usage_delete;
DROP TRIGGER phone_numbers_usage_update;
DELETE FROM target_usage;
INSERT INTO target_usage (target_arn, numbers)
  SELECT target_arn, count(*) FROM phone_numbers WHERE counts_toward_quota = 1 GROUP BY target_arn;

CREATE TRIGGER phone_numbers_usage_insert AFTER INSERT ON phone_numbers WHEN NEW.counts_toward_quota = 1
BEGIN
  INSERT INTO target_usage (target_arn, numbers) VALUES (NEW.target_arn, 1)
    ON CONFLICT (target_arn) DO UPDATE SET numbers = numbers + 1;
END;

CREATE TRIGGER phone_numbers_usage_delete AFTER DELETE ON phone_numbers WHEN OLD.counts_toward_quota = 1
BEGIN
  UPDATE target_usage SET numbers = numbers - 1 WHERE target_arn = OLD.target_arn;
END;

CREATE TRIGGER phone_numbers_usage_update AFTER UPDATE OF target_arn, counts_toward_quota ON phone_numbers
BEGIN
  UPDATE target_usage SET numbers = numbers - 1 WHERE target_arn = OLD.target_arn AND OLD.counts_toward_quota = 1;
  INSERT INTO target_usage (target_arn, numbers) SELECT NEW.target_arn, 1 WHERE NEW.counts_toward_quota = 1
    ON CONFLICT (target_arn) DO UPDATE SET numbers = numbers + 1;
END;

CREATE INDEX phone_numbers_vanishing ON phone_numbers (number, vanishes_ms);

CREATE TABLE fault_rules (
  id         TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  times_left INTEGER           -- NULL: no limit
) WITHOUT ROWID;
