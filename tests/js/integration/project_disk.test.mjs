// A project whose files lived in a plain directory (an older Berth's
// <id>/files, or BERTH_PROJECT_QUOTA=off) gets them moved onto its own disk
// at the next open: every file, mode and folder kept, and the editor's
// quota in force from then on. Needs root (mount).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { startBerth, signup, mirrorOf, removeDataDir } from "../lib/berth.mjs";

function connect(berth, token, projectId) {
  const socket = io(berth.url, { auth: { token, projectId }, transports: ["websocket"], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once("project:status", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}
const call = (socket, event, payload) => socket.timeout(20000).emitWithAck(event, payload);

test("files kept outside a disk move onto the project's disk at the next open", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-disk-"));
  try {
    let berth = await startBerth({ dataDir: dir, database: false, env: { BERTH_PROJECT_QUOTA: "off" } });
    const alice = await signup(berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "old" })).json;
    let socket = await connect(berth, alice.accessToken, project.id);
    for (const [path, content] of [["a.txt", "alpha"], ["src/b.txt", "beta"]]) {
      if (path.includes("/")) assert.equal((await call(socket, "fs:create", { path: "src", kind: "dir" })).ok, true);
      assert.equal((await call(socket, "fs:write", { path, content })).ok, true);
    }
    socket.close();
    await berth.stop();
    const projectDir = join(dir, "projects", project.id);
    assert.equal(existsSync(join(projectDir, "disk.img")), false, "no image while the quota is off");
    // The layout before project disks: <id>/files, no disk/.
    renameSync(join(projectDir, "disk", "files"), join(projectDir, "files"));
    rmSync(join(projectDir, "disk"), { recursive: true });

    berth = await startBerth({ dataDir: dir, database: false, env: { BERTH_PROJECT_QUOTA: "32m" } });
    socket = await connect(berth, alice.accessToken, project.id);
    assert.equal((await call(socket, "fs:read", { path: "a.txt" })).content, "alpha");
    assert.equal((await call(socket, "fs:read", { path: "src/b.txt" })).content, "beta");
    assert.equal(statSync(join(projectDir, "disk.img")).size, 32 * 1024 * 1024);
    const disk = join(projectDir, "disk");
    assert.notEqual(statSync(disk).dev, statSync(projectDir).dev, "disk/ is now a mount");
    assert.equal(statSync(mirrorOf(dir, project.id)).uid, 1000);
    assert.equal(statSync(join(mirrorOf(dir, project.id), "src", "b.txt")).uid, 1000, "owners kept");
    assert.equal(existsSync(join(projectDir, "files")), false, "the old folder is gone");
    assert.equal(existsSync(join(projectDir, "disk.unbounded")), false, "nothing is left set aside");
    // The quota holds from now on.
    let refused;
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await call(socket, "fs:write", { path: `f${i}.txt`, content: "z".repeat(256 * 1024) });
      if (!r.ok) refused = r.error;
    }
    assert.equal(refused?.code, "quota_exceeded", JSON.stringify(refused));
    socket.close();
    await berth.stop();
  } finally {
    removeDataDir(dir);
  }
});
