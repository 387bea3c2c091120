#!/bin/sh
# `cmake --install` into a temporary DESTDIR: the binary, the man page, the example credentials and
# the systemd unit are where they belong and work; `systemd-analyze verify` checks the unit when it
# is available.
# Usage: install_test.sh <build dir>
set -eu
build=${1:?usage: install_test.sh <build dir>}
dest=$(mktemp -d "${TMPDIR:-/tmp}/cl-install-XXXXXX")
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR="$dest" cmake --install "$build" --prefix /usr >"$dest.log" 2>&1 || { cat "$dest.log"; fail "cmake --install"; }
rm -f "$dest.log"

bin="$dest/usr/bin/connect-local"
man="$dest/usr/share/man/man1/connect-local.1"
creds="$dest/usr/share/doc/connect-local/credentials.example.json"
unit="$dest/usr/lib/systemd/system/connect-local.service"
for f in "$bin" "$man" "$creds" "$unit"; do
  [ -s "$f" ] || fail "missing $f"
done
[ -x "$bin" ] || fail "$bin is not executable"
echo "installed: $(cd "$dest" && find . -type f | sort | tr '\n' ' ')"

# The binary runs, and the example credentials file is one it accepts.
"$bin" --version | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+' || fail "--version"
out="$dest/serve.out"
"$bin" serve --in-memory --port 0 --credentials "$creds" >"$out" 2>&1 &
pid=$!
i=0
until grep -q "credentials: 3 from" "$out" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
    kill $pid 2>/dev/null || true
    cat "$out" >&2
    fail "the server does not start with the example credentials"
  fi
  sleep 0.1
done
kill -TERM $pid
wait $pid || fail "the server did not exit cleanly on SIGTERM"

# The unit runs the installed binary on the state directory, sandboxed.
grep -qx "ExecStart=/usr/bin/connect-local serve --data-dir /var/lib/connect-local" "$unit" || fail "ExecStart in $unit"
for line in DynamicUser=yes StateDirectory=connect-local ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes \
            PrivateTmp=yes "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" WantedBy=multi-user.target; do
  grep -qx "$line" "$unit" || fail "$unit lacks $line"
done

# The man page renders without warnings.
if command -v groff >/dev/null 2>&1; then
  warnings=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
  [ -z "$warnings" ] || fail "man page warnings: $warnings"
  groff -man -Tutf8 "$man" 2>/dev/null | grep -q "connect-local admin" || fail "man page lacks the admin command"
else
  echo "groff not installed: man page rendering not checked"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
  # verify checks that ExecStart exists: point a copy of the unit at the installed binary.
  check="$dest/check/connect-local.service"
  mkdir -p "$dest/check"
  sed "s|^ExecStart=/usr/bin/connect-local|ExecStart=$bin|" "$unit" >"$check"
  report=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$check" 2>&1) || fail "systemd-analyze verify: $report"
  # Warnings about the machine (no running systemd in a container) are not about the unit.
  problems=$(printf '%s\n' "$report" | grep -i "connect-local.service" || true)
  [ -z "$problems" ] || fail "systemd-analyze verify: $problems"
  echo "systemd-analyze verify: ok"
else
  echo "systemd-analyze not installed: unit not verified (apt install systemd to check it)"
fi
echo "PASS"
