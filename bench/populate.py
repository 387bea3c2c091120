#!/usr/bin/env python3
"""Writes claimed numbers straight into a stopped server's SQLite store (claiming 10^6 numbers
through the API would dominate a benchmark run); the server loads them at start-up like any other
state. Numbers are PREFIX (+1555) followed by 7 digits, spread over the block, each held for ever, all on
one instance of account 000000000000 in us-east-1; each instance takes its own prefix.
Usage: populate.py DB_FILE INSTANCE_ID TOTAL [PREFIX]  (adds numbers until the instance holds TOTAL)"""
import sqlite3
import sys
import uuid

db_file, instance, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
prefix = sys.argv[4] if len(sys.argv) > 4 else "+1555"
account, region = "000000000000", "us-east-1"
arn = f"arn:aws:connect:{region}:{account}:instance/{instance}"
db = sqlite3.connect(db_file)
# A bulk load into a stopped server's store: no write-ahead log, no fsync, a large cache, and rows in index
# order (numbers sorted, ids ascending) so that the B-trees grow at their ends.
db.execute("PRAGMA journal_mode = MEMORY")  # the server turns WAL back on at start-up
db.execute("PRAGMA synchronous = OFF")
db.execute("PRAGMA cache_size = -262144")
db.execute("INSERT OR IGNORE INTO blocks (country, type, prefix, length) VALUES ('US', 'THIRD_PARTY_DID', ?, 12)", (prefix,))
have = db.execute("SELECT count(*) FROM phone_numbers WHERE target_arn = ?", (arn,)).fetchone()[0]
forever = 2**63 - 1
# 7919 is prime to 10^7: i -> i * 7919 mod 10^7 visits distinct numbers in a scattered order.
numbers = sorted(f"{prefix}{i * 7919 % 10**7:07d}" for i in range(have, total))
rows = [(str(uuid.UUID(int=int(prefix[1:]) << 64 | i + 1, version=4)), n) for i, n in enumerate(numbers, have)]
db.executemany("INSERT INTO number_holds (number, held_until_ms, phone_number_id) VALUES (?, ?, ?)",
               [(n, forever, i) for i, n in rows])
db.executemany("INSERT INTO phone_numbers (id, account_id, region, number, country, type, target_arn, workflow, "
               f"started_ms, settles_ms) VALUES (?, '{account}', '{region}', ?, 'US', 'THIRD_PARTY_DID', '{arn}', "
               "'CLAIM', 0, 0)", rows)
db.commit()
print(f"{db.execute('SELECT count(*) FROM phone_numbers WHERE target_arn = ?', (arn,)).fetchone()[0]} claimed numbers on the instance")
