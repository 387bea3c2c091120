"""Throwaway PostgreSQL databases for the end-to-end suites.

When CL_E2E_POSTGRES_DSN names a PostgreSQL server (a libpq connection string with rights to create
databases, as scripts/with-postgres exports it), every Server without a data directory gets a
database of its own, so suites and test classes running in parallel never share state; several
Servers given the same database are several nodes of one deployment.
"""

import os
import subprocess
import uuid

ADMIN_DSN = os.environ.get("CL_E2E_POSTGRES_DSN", "")


def enabled():
    return bool(ADMIN_DSN)


def _psql(sql):
    subprocess.run(["psql", ADMIN_DSN, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)


def dsn_for(database):
    """The admin DSN pointed at another database (libpq: a later keyword wins)."""
    return f"{ADMIN_DSN} dbname={database}"


def create_database():
    name = "cl_" + uuid.uuid4().hex[:16]
    _psql(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name):
    try:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except (subprocess.SubprocessError, OSError):
        pass  # the cluster is removed with its temporary directory anyway
