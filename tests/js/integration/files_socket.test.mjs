// File operations over Socket.IO (DESIGN §5) with the official client:
// acks with versions and seq, fs:changed to the other clients only, text and
// binary content, conflicts, viewers read-only, hostile paths refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startBerth, signup } from "../lib/berth.mjs";

let berth, alice, bob, carol, project;
before(async () => {
  berth = await startBerth();
  [alice, bob, carol] = [await signup(berth.url, "alice"), await signup(berth.url, "bob"), await signup(berth.url, "carol")];
  project = (await alice.api.post("/api/v1/projects", { name: "files" })).json;
  await alice.api.put(`/api/v1/projects/${project.id}/members/${bob.user.id}`, { role: "editor" });
  await alice.api.put(`/api/v1/projects/${project.id}/members/${carol.user.id}`, { role: "viewer" });
});
after(() => berth.stop());

function connect(user) {
  return new Promise((resolve, reject) => {
    const socket = io(berth.url, { auth: (cb) => cb({ token: user.accessToken, projectId: project.id }), transports: ["websocket"], reconnection: false, forceNew: true });
    const changes = [];
    socket.on("fs:changed", (c) => changes.push(c));
    socket.once("project:status", () => resolve({ socket, changes }));
    socket.once("connect_error", reject);
  });
}
const call = (socket, event, body) => socket.timeout(10000).emitWithAck(event, body);
const eventsOf = (packets) => packets.flatMap((p) => p.events);
const until = async (f) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(f());
};

test("a write is acked with its version and seq and reaches the other clients, not the writer", async () => {
  const a = await connect(alice), b = await connect(bob);
  try {
    const made = await call(a.socket, "fs:create", { path: "src", kind: "dir" });
    assert.equal(made.ok, true, JSON.stringify(made));
    assert.equal(made.entry.kind, "dir");
    const w = await call(a.socket, "fs:write", { path: "src/main.py", content: "print('hi')\n" });
    assert.equal(w.ok, true, JSON.stringify(w));
    assert.match(w.version, /^[0-9a-f]{64}$/);
    assert.equal(w.seq, made.seq + 1);
    // Both may come in one packet: changes are coalesced in short windows.
    await until(() => eventsOf(b.changes).length === 2);
    assert.equal(b.changes.at(-1).seq, w.seq);
    assert.equal(b.changes[0].firstSeq, made.seq);
    assert.deepEqual(eventsOf(b.changes)[1], { op: "created", path: "src/main.py", kind: "file", origin: "editor", by: alice.user.id, version: w.version });
    assert.equal(a.changes.length, 0, "the writer gets its ack, not an echo");
    const listed = await call(b.socket, "fs:list", { path: "", recursive: true });
    assert.equal(listed.seq, w.seq);
    assert.deepEqual(listed.entries.map((e) => [e.path, e.kind]), [["src", "dir"], ["src/main.py", "file"]]);
    const read = await call(b.socket, "fs:read", { path: "src/main.py" });
    assert.deepEqual([read.content, read.encoding, read.version, read.size], ["print('hi')\n", "utf8", w.version, 12]);
  } finally {
    a.socket.close();
    b.socket.close();
  }
});

test("binary content travels as bytes both ways", async () => {
  const a = await connect(alice);
  try {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x80]);
    const w = await call(a.socket, "fs:write", { path: "blob.bin", content: bytes });
    assert.equal(w.ok, true, JSON.stringify(w));
    const r = await call(a.socket, "fs:read", { path: "blob.bin" });
    assert.equal(r.encoding, "binary");
    assert.ok(Buffer.isBuffer(r.content));
    assert.deepEqual([...r.content], [...bytes]);
  } finally {
    a.socket.close();
  }
});

test("a stale baseVersion is a conflict and the file keeps the newer content", async () => {
  const a = await connect(alice), b = await connect(bob);
  try {
    const v1 = await call(a.socket, "fs:write", { path: "shared.txt", content: "one" });
    const v2 = await call(b.socket, "fs:write", { path: "shared.txt", content: "two", baseVersion: v1.version });
    assert.equal(v2.ok, true);
    const stale = await call(a.socket, "fs:write", { path: "shared.txt", content: "three", baseVersion: v1.version });
    assert.equal(stale.ok, false);
    assert.equal(stale.error.code, "conflict");
    assert.equal((await call(a.socket, "fs:read", { path: "shared.txt" })).content, "two");
  } finally {
    a.socket.close();
    b.socket.close();
  }
});

test("rename and delete are broadcast; a viewer reads but cannot change anything", async () => {
  const a = await connect(alice), c = await connect(carol);
  try {
    await call(a.socket, "fs:write", { path: "old.txt", content: "x" });
    const moved = await call(a.socket, "fs:rename", { from: "old.txt", to: "new.txt" });
    assert.equal(moved.ok, true, JSON.stringify(moved));
    const gone = await call(a.socket, "fs:delete", { path: "new.txt" });
    assert.equal(gone.ok, true);
    await until(() => eventsOf(c.changes).some((e) => e.op === "deleted"));
    const ops = eventsOf(c.changes).map((e) => [e.op, e.path, e.from]);
    assert.deepEqual(ops.slice(-3), [["created", "old.txt", undefined], ["renamed", "new.txt", "old.txt"], ["deleted", "new.txt", undefined]]);
    assert.equal((await call(c.socket, "fs:read", { path: "shared.txt" })).ok, true);
    for (const [event, body] of [["fs:write", { path: "v.txt", content: "no" }], ["fs:create", { path: "d", kind: "dir" }],
      ["fs:delete", { path: "shared.txt" }], ["fs:rename", { from: "shared.txt", to: "x.txt" }]]) {
      const r = await call(c.socket, event, body);
      assert.equal(r.ok, false, event);
      assert.equal(r.error.code, "forbidden", event);
    }
  } finally {
    a.socket.close();
    c.socket.close();
  }
});

test("paths that would leave the project are invalid_path; bad input is bad_request", async () => {
  const a = await connect(alice);
  try {
    for (const path of ["../escape", "/etc/passwd", "a/../../b", "x\u0000y", "a//b"]) {
      const r = await call(a.socket, "fs:write", { path, content: "x" });
      assert.equal(r.error?.code, "invalid_path", `${JSON.stringify(path)}: ${JSON.stringify(r)}`);
      assert.equal((await call(a.socket, "fs:read", { path })).error?.code, "invalid_path");
    }
    assert.equal((await call(a.socket, "fs:delete", { path: "" })).error.code, "bad_request");
    assert.equal((await call(a.socket, "fs:write", { path: 42 })).error.code, "bad_request");
    assert.equal((await call(a.socket, "fs:create", { path: "k", kind: "socket" })).error.code, "bad_request");
    assert.equal((await call(a.socket, "fs:read", { path: "missing.txt" })).error.code, "not_found");
    assert.equal((await call(a.socket, "fs:rename", { from: "src", to: "src/inside" })).error.code, "bad_request");
    assert.ok(a.socket.connected);
  } finally {
    a.socket.close();
  }
});

test("changes are coalesced in short windows, and nobody hears of their own", async () => {
  const a = await connect(alice), b = await connect(bob), c = await connect(carol);
  try {
    assert.equal((await call(a.socket, "fs:create", { path: "burst", kind: "dir" })).ok, true);
    await until(() => c.changes.length > 0);
    c.changes.length = 0;
    // Alice and Bob write ten files each, all at once.
    const acks = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => call(a.socket, "fs:write", { path: `burst/a${i}.txt`, content: "a" }).then((r) => ["a", r])),
      ...Array.from({ length: 10 }, (_, i) => call(b.socket, "fs:write", { path: `burst/b${i}.txt`, content: "b" }).then((r) => ["b", r])),
    ]);
    for (const [, r] of acks) assert.equal(r.ok, true, JSON.stringify(r));
    const seqs = acks.map(([, r]) => r.seq);
    const last = Math.max(...seqs);
    await until(() => c.changes.length && c.changes.at(-1).seq >= last);
    const heard = eventsOf(c.changes).filter((e) => e.path.startsWith("burst/"));
    assert.equal(heard.length, 20, "the viewer hears of every write");
    // How many windows twenty concurrent writes span depends on the disk;
    // that some of them share one does not.
    assert.ok(c.changes.some((p) => p.events.length > 1), `${c.changes.length} packets for 20 changes, none coalesced`);
    for (let i = 1; i < c.changes.length; i++) assert.equal(c.changes[i].firstSeq, c.changes[i - 1].seq + 1, "contiguous");
    // Alice gets Bob's writes and never her own; with her acks, the seqs have no gap.
    await until(() => a.changes.length && a.changes.at(-1).seq >= Math.max(...acks.filter(([w]) => w === "b").map(([, r]) => r.seq)));
    assert.ok(eventsOf(a.changes).every((e) => !e.path.startsWith("burst/a")), "no echo of her own writes");
    assert.equal(eventsOf(a.changes).filter((e) => e.path.startsWith("burst/b")).length, 10);
    const covered = new Set(acks.filter(([w]) => w === "a").map(([, r]) => r.seq));
    for (const p of a.changes) for (let s = p.firstSeq; s <= p.seq; s++) covered.add(s);
    const first = Math.min(...seqs);
    for (let s = first; s <= last; s++) assert.ok(covered.has(s), `seq ${s} is in an ack or a packet of alice's`);
  } finally {
    a.socket.close();
    b.socket.close();
    c.socket.close();
  }
});
