#pragma once
// A SQLite VFS over "unix-excl" that writes each commit's WAL frames together.
//
// SQLite writes a WAL frame as two writes (its 24-byte header, then the page), so a commit of n
// pages costs 2n pwrite calls on the writer's critical path. This VFS gathers the contiguous writes
// to a WAL file in memory and writes them at once (in writes of up to 124 KiB, the most the unix
// VFS takes) when the commit frame (the frame whose header carries the database size) is complete,
// or when 1 MiB is gathered (a large transaction). Another connection can read a frame only once
// the wal-index says it is committed, and SQLite updates the wal-index after the commit frame is
// written, so every frame another connection can see is in the file. Any other call on the file (a
// read, its size, a sync, a truncation, a write elsewhere, closing it) writes what is gathered
// first, so the connection itself sees its file as SQLite wrote it; a write error is reported by
// the call that writes.
namespace cl::store {

// Registers the VFS over "unix-excl" (once; thread-safe) and returns its name, for "?vfs=" in a
// database URI.
const char* wal_write_vfs();

// Registers such a VFS named `name` over the registered VFS `base_name` and returns `name`, which
// must outlive the process; throws std::runtime_error when there is no such base.
const char* register_wal_write_vfs(const char* name, const char* base_name);

}  // namespace cl::store
