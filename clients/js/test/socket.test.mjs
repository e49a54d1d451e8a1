// ProjectSocket against a real server: fs:* requests with text and binary
// content, fs:changed between clients, seq tracking (no false gap when
// acks and packets race, `resync` after missed changes, reload), refusals,
// and a reconnect with a fresh token when the server cuts an expired one.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BerthError } from "../dist/index.js";
import { startBerth, newUser, next, record, until, eventsOf, sleep } from "./helpers.mjs";

const FAST_RECONNECT = { transports: ["websocket"], reconnectionDelay: 100, reconnectionDelayMax: 300 };

let berth, owner, editor, viewer, project;
before(async () => {
  berth = await startBerth();
  [owner, editor, viewer] = [await newUser(berth, "owner"), await newUser(berth, "editor"), await newUser(berth, "viewer")];
  project = await owner.client.createProject({ name: "sockets" });
  await owner.client.putMember(project.id, editor.user.id, "editor");
  await owner.client.putMember(project.id, viewer.user.id, "viewer");
});
after(() => berth?.stop());

async function open(who, options = {}) {
  const socket = who.client.connect(project.id, { io: FAST_RECONNECT, ...options });
  const seen = record(socket);
  const status = await socket.ready();
  return { socket, seen, status };
}

async function rejects(promise, code) {
  const error = await promise.then(() => assert.fail(`expected ${code}`), (e) => e);
  assert.ok(error instanceof BerthError, String(error));
  assert.equal(error.code, code, error.message);
  return error;
}

test("a write larger than a Socket.IO message goes over REST, with the same answer and no gap", async () => {
  const own = await owner.client.createProject({ name: "large writes" });
  const socket = owner.client.connect(own.id, { io: FAST_RECONNECT });
  const seen = record(socket);
  try {
    await socket.ready();
    await socket.list("", { recursive: true });
    const big = new Uint8Array(2 << 20).map((_, i) => i % 251);  // twice the server's 1 MB message limit
    const written = await socket.write("large.bin", big);
    assert.match(written.version, /^[0-9a-f]{64}$/);
    const back = await owner.client.readFile(own.id, "large.bin");
    assert.equal(back.version, written.version);
    assert.equal(back.content.length, big.length);
    const small = await socket.write("small.txt", "still over the socket");
    assert.equal(small.seq, written.seq + 1);
    await sleep(300);
    assert.deepEqual(seen.resyncs, [], "its seq was accounted for");
  } finally {
    socket.close();
  }
});

test("fs requests: text and binary content, stat, create, rename, delete, errors", async () => {
  const { socket, status } = await open(owner);
  try {
    assert.equal(status.state, "stopped");
    const dir = await socket.create("src", "dir");
    assert.equal(dir.entry.kind, "dir");
    const text = await socket.write("src/hello.txt", "héllo\n");
    assert.match(text.version, /^[0-9a-f]{64}$/);
    assert.equal(text.seq, dir.seq + 1);
    const readText = await socket.read("src/hello.txt");
    assert.deepEqual(readText, { content: "héllo\n", encoding: "utf8", version: text.version, size: 7 });

    const bytes = new Uint8Array([0xff, 0x00, 0x41, 0x80, 0xc3]);
    const bin = await socket.write("src/blob.bin", bytes);
    const readBin = await socket.read("src/blob.bin");
    assert.equal(readBin.encoding, "binary");
    assert.ok(readBin.content instanceof Uint8Array);
    assert.deepEqual([...readBin.content], [...bytes]);
    assert.equal(readBin.version, bin.version);
    // An ArrayBuffer is bytes too.
    await socket.write("src/blob.bin", bytes.buffer.slice(1, 3), { baseVersion: bin.version });
    assert.deepEqual([...(await socket.read("src/blob.bin")).content], [0x00, 0x41]);

    const stale = await rejects(socket.write("src/blob.bin", "x", { baseVersion: bin.version }), "conflict");
    assert.equal(stale.status, 409);
    const stat = await socket.stat("src/hello.txt");
    assert.deepEqual([stat.path, stat.name, stat.kind, stat.size], ["src/hello.txt", "hello.txt", "file", 7]);
    const moved = await socket.rename("src/hello.txt", "src/renamed.txt");
    assert.equal(moved.entry.path, "src/renamed.txt");
    await rejects(socket.create("src", "dir"), "conflict");
    await rejects(socket.read("src/hello.txt"), "not_found");
    await rejects(socket.read("../outside"), "invalid_path");
    await rejects(socket.request("fs:create", { path: "x", kind: "pipe" }), "bad_request");
    const listed = await socket.list("", { recursive: true });
    assert.deepEqual(listed.entries.map((e) => e.path), ["src", "src/blob.bin", "src/renamed.txt"]);
    assert.equal(socket.seq, listed.seq, "a full listing sets the seq");
    const removed = await socket.delete("src");
    assert.equal(removed.seq, listed.seq + 1);
    assert.equal(socket.seq, removed.seq, "its own acks move the seq on");
    assert.deepEqual((await socket.list("")).entries, []);
  } finally {
    socket.close();
  }
});

test("a viewer may read but not change files", async () => {
  const { socket } = await open(viewer);
  try {
    assert.ok(Array.isArray((await socket.list("")).entries));
    const e = await rejects(socket.write("v.txt", "no"), "forbidden");
    assert.equal(e.status, 403);
  } finally {
    socket.close();
  }
});

test("fs:changed reaches the other client, not the writer; racing writes from both sides are no gap", async () => {
  const a = await open(owner), b = await open(editor);
  try {
    await a.socket.reload();
    await b.socket.reload();
    const start = a.socket.seq;
    // Both write at once: the packets each gets leave out its own changes
    // but cover their seqs, whose acks may come before or after them.
    const writes = [];
    for (let i = 0; i < 25; i++) {
      writes.push(a.socket.write(`a${i}.txt`, `a${i}`));
      writes.push(b.socket.write(`b${i}.txt`, `b${i}`));
    }
    const acks = await Promise.all(writes);
    const last = Math.max(...acks.map((w) => w.seq));
    assert.equal(last, start + 50);
    await until("both to have heard of every seq", () => a.socket.seq === last && b.socket.seq === last);
    const fromA = eventsOf(b.seen.changes).filter((e) => e.by === owner.user.id);
    assert.equal(fromA.length, 25, "b got each of a's writes");
    assert.equal(eventsOf(a.seen.changes).filter((e) => e.by === owner.user.id).length, 0, "a got none of its own");
    assert.deepEqual(fromA.find((e) => e.path === "a0.txt"), { op: "created", path: "a0.txt", kind: "file", origin: "editor", by: owner.user.id, version: acks[0].version });
    await sleep(300); // a listing's delayed check, had there been one
    assert.deepEqual(a.seen.resyncs, []);
    assert.deepEqual(b.seen.resyncs, []);
    for (let i = 0; i < 25; i++) await a.socket.delete(`a${i}.txt`), await b.socket.delete(`b${i}.txt`);
  } finally {
    a.socket.close();
    b.socket.close();
  }
});

test("changes missed while disconnected raise resync; reload brings the tree and the seq back", async () => {
  const a = await open(owner), b = await open(editor);
  try {
    const base = (await a.socket.reload()).seq;
    a.socket.raw.disconnect();
    await until("a to be disconnected", () => !a.socket.connected);
    for (const name of ["m1.txt", "m2.txt", "m3.txt"]) await b.socket.write(name, name);
    await sleep(100); // past the server's 10 ms change window: the packets went out while a was away
    assert.deepEqual(a.seen.resyncs, []);
    a.socket.raw.connect();
    const gap = await next(a.socket, "resync");
    assert.deepEqual(gap, { lastSeq: base, seq: base + 3, missing: 3 });
    assert.deepEqual(a.seen.connects.at(-1), { reconnect: true });
    const reloaded = await a.socket.reload();
    assert.equal(reloaded.seq, base + 3);
    assert.equal(a.socket.seq, base + 3);
    assert.deepEqual(reloaded.entries.map((e) => e.path), ["m1.txt", "m2.txt", "m3.txt"]);
    // In step again: the next change is no gap.
    const w = await b.socket.write("m4.txt", "4");
    await until("a to hear of m4", () => a.socket.seq === w.seq);
    await sleep(300);
    assert.equal(a.seen.resyncs.length, 1);
    for (const name of ["m1.txt", "m2.txt", "m3.txt", "m4.txt"]) await b.socket.delete(name);
  } finally {
    a.socket.close();
    b.socket.close();
  }
});

test("a packet that skips a missed change raises resync while connected", async () => {
  const a = await open(owner, { checkSeqOnReconnect: false }), b = await open(editor);
  try {
    const base = (await a.socket.reload()).seq;
    a.socket.raw.disconnect();
    await until("a to be disconnected", () => !a.socket.connected);
    await b.socket.write("skip.txt", "missed");
    await sleep(100); // past the server's 10 ms change window
    a.socket.raw.connect();
    await next(a.socket, "project:status");
    const w = await b.socket.write("skip.txt", "seen");
    const gap = await next(a.socket, "resync");
    assert.deepEqual(gap, { lastSeq: base, seq: w.seq, missing: 1 });
    await b.socket.delete("skip.txt");
  } finally {
    a.socket.close();
    b.socket.close();
  }
});

test("a project one is not a member of is refused: not_found", async () => {
  const stranger = await newUser(berth, "stranger");
  const socket = stranger.client.connect(project.id, { io: FAST_RECONNECT });
  try {
    const e = await socket.ready().then(() => assert.fail("connected"), (e) => e);
    assert.ok(e instanceof BerthError);
    assert.equal(e.code, "not_found");
    assert.equal(e.status, 404);
  } finally {
    socket.close();
  }
});

test("a member who is removed is cut off and refused on the way back in", async () => {
  const guest = await newUser(berth, "guest");
  await owner.client.putMember(project.id, guest.user.id, "viewer");
  const { socket, seen } = await open(guest);
  try {
    const refused = next(socket, "refused");
    await owner.client.removeMember(project.id, guest.user.id);
    const e = await refused;
    assert.equal(e.code, "not_found");
    assert.equal(seen.disconnects[0].reason, "io server disconnect");
    await sleep(300);
    assert.equal(socket.connected, false, "it stays out");
  } finally {
    socket.close();
  }
});

test("the server cuts a socket when its token expires; the client refreshes and reconnects", async () => {
  const short = await startBerth({ env: { BERTH_ACCESS_TOKEN_TTL: "3s", BERTH_CLOCK_LEEWAY: "0" } });
  try {
    const who = await newUser(short, "ttl");
    assert.equal(who.session.expiresIn, 3);
    const p = await who.client.createProject({ name: "ttl" });
    const socket = who.client.connect(p.id, { io: FAST_RECONNECT });
    const seen = record(socket);
    try {
      await socket.ready();
      const firstToken = who.storage.current.accessToken;
      await socket.write("before.txt", "1");
      const back = await until("a reconnect", () => seen.connects.find((c) => c.reconnect), 15000);
      assert.ok(back);
      assert.equal(seen.disconnects[0].reason, "io server disconnect", "the server cut it at the token's exp");
      assert.ok(who.storage.saves.length >= 2, "refreshed for the reconnect");
      assert.notEqual(who.storage.current.accessToken, firstToken);
      assert.deepEqual(seen.refused, []);
      const w = await socket.write("after.txt", "2");
      assert.ok(w.seq > 0);
      assert.deepEqual((await socket.list("")).entries.map((e) => e.path), ["after.txt", "before.txt"]);
      assert.equal((await who.client.me()).id, who.user.id);
    } finally {
      socket.close();
    }
  } finally {
    await short.stop();
  }
});
