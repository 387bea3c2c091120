"""Throwaway PostgreSQL databases for the end-to-end suites.

When CL_E2E_POSTGRES_DSN names a PostgreSQL server (a libpq connection string with rights to create
databases, as scripts/with-postgres exports it), every Server without a data directory gets a
database of its own, so suites and test classes running in parallel never share state; several
Servers given the same database are several nodes of one deployment.
"""

import contextlib
import os
import subprocess
import uuid

WITH_POSTGRES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "with-postgres")

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


@contextlib.contextmanager
def private_cluster():
    """A cluster of its own (scripts/with-postgres), for a test that restarts the database without
    disturbing suites running in parallel on the shared one. Yields (dsn, pg_ctl command as a list);
    the cluster is removed afterwards."""
    proc = subprocess.Popen(
        [WITH_POSTGRES, "sh", "-c", 'printf "%s\\n%s\\n" "$CL_TEST_POSTGRES_DSN" "$CL_TEST_POSTGRES_CTL"; cat >/dev/null'],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        dsn = proc.stdout.readline().strip()
        ctl = proc.stdout.readline().split()
        if not dsn or not ctl:
            raise RuntimeError("scripts/with-postgres did not start a cluster")
        yield dsn, ctl
    finally:
        proc.stdin.close()  # with-postgres stops the cluster and removes its directory
        proc.wait(timeout=60)
        proc.stdout.close()
