-- Only a FAILED claim ever vanishes (vanishes_ms below the largest integer): the index that finds
-- a number's vanished records need hold those alone. A number's visible holder is the record its
-- hold names (number_holds.phone_number_id). A claim then updates one b-tree fewer.
DROP INDEX phone_numbers_vanishing;
CREATE INDEX phone_numbers_vanishing ON phone_numbers (number) WHERE vanishes_ms < 9223372036854775807;
