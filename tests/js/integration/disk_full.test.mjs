// A full disk (a 6 MiB tmpfs as the data dir): a write that does not fit is
// answered `disk_full` and acknowledged never; every write acknowledged
// before reads back whole; the server keeps serving. Needs root (mount).
// With project disks (the default) the host's disk fills only when a new
// project's disk is made, so the first case runs without them
// (BERTH_PROJECT_QUOTA=off) and the second shows that refusal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { startBerth, signup } from "../lib/berth.mjs";

// A Berth on a 6 MiB tmpfs data dir, with one project and a socket on it.
async function onAFullDisk(env, body) {
  const dir = mkdtempSync(join(tmpdir(), "berth-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", dir]);
  let berth;
  try {
    berth = await startBerth({ dataDir: dir, database: false, env });
    const alice = await signup(berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "full" })).json;
    const socket = io(berth.url, { auth: { token: alice.accessToken, projectId: project.id }, transports: ["websocket"], reconnection: false, forceNew: true });
    await new Promise((resolve, reject) => (socket.once("project:status", resolve), socket.once("connect_error", reject)));
    try {
      await body(socket);
    } finally {
      socket.close();
    }
    assert.equal((await fetch(berth.url + "/healthz")).status, 200, "the server keeps running");
  } finally {
    await berth?.stop();
    execFileSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

test("ENOSPC is disk_full, and nothing unwritten is acknowledged", () =>
  onAFullDisk({ BERTH_PROJECT_QUOTA: "off" }, async (socket) => {
    const acked = new Map();
    let refusal;
    for (let i = 0; i < 200 && !refusal; i++) {
      const content = `${i}:`.padEnd(256 * 1024, String.fromCharCode(97 + (i % 26)));
      const r = await socket.timeout(20000).emitWithAck("fs:write", { path: `f${i}.txt`, content });
      if (r.ok) acked.set(`f${i}.txt`, content);
      else refusal = r.error;
    }
    assert.ok(refusal, "the disk never filled up");
    assert.equal(refusal.code, "disk_full", JSON.stringify(refusal));
    assert.ok(acked.size > 0);
    for (const [path, content] of acked) {
      const r = await socket.timeout(20000).emitWithAck("fs:read", { path });
      assert.equal(r.ok, true, `${path}: ${JSON.stringify(r.error)}`);
      assert.equal(r.content, content, `${path} was acknowledged, so it is whole`);
    }
  }));

test("a project disk the host cannot hold is disk_full, and the server keeps serving", () =>
  onAFullDisk({ BERTH_PROJECT_QUOTA: "64m" }, async (socket) => {
    const r = await socket.timeout(20000).emitWithAck("fs:write", { path: "a.txt", content: "a" });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, "disk_full", JSON.stringify(r.error));
    assert.match(r.error.message, /BERTH_PROJECT_QUOTA/);
  }));
