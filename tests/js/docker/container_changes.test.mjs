// Changes made inside a real container reach the editor and storage
// (DESIGN §1, "The container changes a file"): a client hears them as
// `fs:changed` with origin "container", coalesced (5,000 files made by a
// shell loop arrive in a bounded number of packets, not 5,000), seqs
// contiguous; node_modules/ stays local; and what the container made is in
// storage: a Berth whose mirror is wiped opens it back from there.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { startRuntimeBerth, userWithProject, removeContainers, until } from "./helpers.mjs";
import { client, removeDataDir } from "../lib/berth.mjs";

const dir = mkdtempSync(join(tmpdir(), "berth-changes-"));
let berth, user, id;
after(async () => {
  await berth?.stop();
  removeContainers([id]);
  removeDataDir(dir);
});

function connect(token, projectId) {
  const socket = io(berth.url, { auth: { token, projectId }, transports: ["websocket"], reconnection: false, forceNew: true });
  const packets = [];
  socket.on("fs:changed", (p) => packets.push(p));
  return new Promise((resolve, reject) => {
    socket.once("project:status", () => resolve({ socket, packets }));
    socket.once("connect_error", reject);
  });
}
const call = (socket, event, body) => socket.timeout(60000).emitWithAck(event, body);
const exec = async (command) => {
  const r = await client(berth.url, user.accessToken).post(`/api/v1/projects/${id}/exec`, { command, timeoutMs: 120000 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.exitCode, 0, r.json.stderr);
  return r.json;
};
const eventsOf = (packets) => packets.flatMap((p) => p.events);

test("what the container changes reaches the editor, coalesced, and storage", async (t) => {
  berth = await startRuntimeBerth({}, { dataDir: dir });
  ({ user, id } = await userWithProject(berth, "changes"));
  assert.equal((await client(berth.url, user.accessToken).post(`/api/v1/projects/${id}/start`)).json?.state, "ready");
  const { socket, packets } = await connect(user.accessToken, id);
  try {
    await exec("mkdir -p src && echo hi > src/a.txt && touch b.txt && mkdir -p node_modules/x && echo 1 > node_modules/x/i.js");
    await until("the container's changes", () => {
      const paths = new Set(eventsOf(packets).map((e) => e.path));
      return ["src", "src/a.txt", "b.txt"].every((p) => paths.has(p));
    });
    for (const e of eventsOf(packets)) {
      assert.equal(e.origin, "container", JSON.stringify(e));
      assert.equal(e.op, "created", JSON.stringify(e));
      assert.ok(!e.path.startsWith("node_modules"), "node_modules/ stays local: " + e.path);
    }
    const a = eventsOf(packets).find((e) => e.path === "src/a.txt");
    const read = await call(socket, "fs:read", { path: "src/a.txt" });
    assert.equal(read.content, "hi\n");
    assert.equal(a.version, read.version, "the event carries the content's version");

    // A shell loop makes 5,000 files in 50 folders.
    packets.length = 0;
    await exec('i=0; while [ $i -lt 50 ]; do mkdir -p gen/d$i; i=$((i+1)); done; ' +
      'i=0; while [ $i -lt 5000 ]; do echo "file $i" > gen/d$((i % 50))/f$i.txt; i=$((i+1)); done');
    const wanted = 5000 + 51;
    await until("5,000 files heard of", () => new Set(eventsOf(packets).map((e) => e.path)).size >= wanted, 60000);
    await new Promise((r) => setTimeout(r, 500));
    const paths = eventsOf(packets).map((e) => e.path);
    assert.equal(new Set(paths).size, wanted, "every file and folder, once");
    t.diagnostic(`${packets.length} fs:changed packets for ${wanted} changes`);
    assert.ok(packets.length < 500, `${packets.length} fs:changed packets for 5,051 changes`);
    for (let i = 1; i < packets.length; i++)
      assert.equal(packets[i].firstSeq, packets[i - 1].seq + 1, "contiguous seqs: no gap a client would reload for");
    const listed = await call(socket, "fs:list", { path: "" });
    assert.equal(listed.seq, packets.at(-1).seq);
  } finally {
    socket.close();
  }

  // Uploaded: once nothing is pending, a Berth with the mirror wiped opens it from storage.
  await until("synced", async () => (await client(berth.url, user.accessToken).get(`/api/v1/projects/${id}`)).json?.sync?.pending === 0, 120000);
  await berth.stop();
  removeContainers([id]);
  removeDataDir(join(dir, "projects"));
  rmSync(join(dir, "sync"), { recursive: true, force: true });
  berth = await startRuntimeBerth({}, { dataDir: dir });
  const again = await connect(user.accessToken, id);
  try {
    const all = await call(again.socket, "fs:list", { path: "", recursive: true });
    assert.equal(all.ok, true, JSON.stringify(all.error));
    const files = all.entries.filter((e) => e.kind === "file").map((e) => e.path);
    assert.ok(files.includes("src/a.txt") && files.includes("b.txt"));
    assert.equal(files.filter((p) => p.startsWith("gen/")).length, 5000);
    assert.ok(!files.some((p) => p.startsWith("node_modules/")), "node_modules/ was never uploaded");
    assert.equal((await call(again.socket, "fs:read", { path: "gen/d7/f4007.txt" })).content, "file 4007\n");
  } finally {
    again.socket.close();
  }
});
