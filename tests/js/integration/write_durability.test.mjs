// An fs:write is acknowledged only after it is durable (DESIGN §1): the
// system calls show the order — fsync of the temporary file, its rename
// over the target, fsync of the folder, the sync journal's commit (fdatasync
// or fsync of its WAL), and only then the ack on the socket. A kill -9 test
// cannot see a missing fsync; a trace can. strace comes from
// scripts/bootstrap: if it cannot trace, that is a failure, not a skip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { startBerth, signup, removeDataDir } from "../lib/berth.mjs";

test("fsync file → rename → fsync folder → journal commit → ack", async () => {
  const probe = spawnSync("strace", ["-qq", "-e", "trace=none", "true"]);
  assert.ok(!probe.error && probe.status === 0, `strace cannot trace here: ${probe.error ?? probe.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), "berth-durable-"));
  const trace = join(dir, "trace");
  const calls = "trace=fsync,fdatasync,rename,renameat,renameat2,write,writev,sendto,sendmsg";
  const berth = await startBerth({
    wrap: ["strace", "-f", "-qq", "-y", "-s", "65536", "-e", calls, "-o", trace],
    // LeakSanitizer (the ASan build of the tests) cannot run under ptrace.
    env: { ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ""}:detect_leaks=0` },
  });
  try {
    const alice = await signup(berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "durable" })).json;
    const socket = io(berth.url, { auth: { token: alice.accessToken, projectId: project.id }, transports: ["websocket"], reconnection: false, forceNew: true });
    await new Promise((resolve, reject) => (socket.once("project:status", resolve), socket.once("connect_error", reject)));
    const content = "durable content " + Date.now();
    const version = createHash("sha256").update(content).digest("hex");
    const ack = await socket.timeout(20000).emitWithAck("fs:write", { path: "durable.txt", content });
    socket.close();
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal(ack.version, version);

    const lines = readFileSync(trace, "utf8").split("\n");
    const first = (what, re, after = -1) => {
      const i = lines.findIndex((l, n) => n > after && re.test(l));
      assert.ok(i >= 0, `no ${what} after line ${after} in the trace`);
      return i;
    };
    const tmp = /\.berth-[0-9a-f]+\.tmp/;
    // With -f, a call another thread interrupts is printed as
    // "fsync(7</path> <unfinished ...>" and finished on a later line.
    const done = "(\\)| <unfinished)";
    const fileSync = first("fsync of the temporary file", new RegExp(`f(data)?sync\\(\\d+<[^>]*${tmp.source}>`));
    const rename = first("rename onto durable.txt", new RegExp(`rename(at2?)?\\(.*${tmp.source}.*"durable\\.txt"`), fileSync);
    const dirSync = first("fsync of the folder", new RegExp(`f(data)?sync\\(\\d+<[^>]*/projects/${project.id}/disk/files>${done}`), rename);
    const commit = first("the journal's commit", new RegExp(`f(data)?sync\\(\\d+<[^>]*sync/journal\\.db-wal>${done}`), dirSync);
    const sent = first("the ack", new RegExp(`(write|writev|sendto|sendmsg)\\(\\d+<(TCP|TCPv6|socket)[^>]*>.*${version}`), -1);
    assert.ok(sent > commit, `the ack (line ${sent}) went out before the journal commit (line ${commit})`);
  } finally {
    // SIGTERM to strace would leave its tracee stopped: end the server itself.
    for (const pid of execFileSync("pgrep", ["-P", String(berth.proc.pid)]).toString().split("\n").filter(Boolean))
      process.kill(Number(pid), "SIGTERM");
    await berth.exited;
    await berth.stop();
    removeDataDir(dir);
  }
});
