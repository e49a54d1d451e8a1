// Terminal output under load (DESIGN §5 term:*): an attach in the middle of
// a stream joins replay and live output without a byte lost or repeated,
// a flood arrives whole and in order without the client being cut off, a
// slow client that acks holds Berth's memory down, and
// a client that holds its acks is let go so the others go on.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startRuntimeBerth, userWithProject, removeContainers, sleep } from "../docker/helpers.mjs";
import { connectTo, assertContiguousNumbers, repeating, rssOf } from "./terminal_client.mjs";

let berth, owner, id;
before(async () => {
  // ASan's quarantine keeps freed memory for a while: a small one, so
  // Berth's RSS in the sanitizer build measures what it holds.
  berth = await startRuntimeBerth({ ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ""}:quarantine_size_mb=8` });
  owner = await userWithProject(berth, "terminals");
  id = owner.id;
});
after(async () => {
  await berth?.stop();
  removeContainers([id]);
});

const connect = (user, projectId = id) => connectTo(berth, user, projectId);

test("re-attach while seq prints: replay + live is one contiguous run of numbers", async () => {
  // The opener uses flow control and holds its acks, which holds the
  // output at most 512 KiB in: the second client attaches mid-stream.
  const a = await connect(owner.user);
  const b = await connect(owner.user);
  try {
    const t = await a.open({ command: "seq 1 200000", flow: true });
    // The server reads a piece (at most 64 KiB) only while the unacked bytes
    // plus a piece fit the window: past 448 KiB it has stopped reading, and
    // a moment later all it sent has arrived, however loaded the machine.
    await a.waitFor(t, () => a.of(t).bytes > 448 * 1024);
    await sleep(1500);
    const held = a.of(t).bytes;
    assert.ok(held <= 512 * 1024, `unacked output stays within the window (${held})`);
    assert.equal(a.of(t).exit, undefined);
    const r = await b.attach(t);
    assert.equal(r.ok, true);
    assert.equal(r.offset + r.scrollback.length, held, "the replay ends where the live output goes on");
    // Ack as it comes: the rest flows.
    const acker = setInterval(() => a.socket.emit("term:ack", { id: t, bytes: a.of(t).bytes }), 10);
    try {
      assert.equal(await a.waitExit(t, 60000), 0);
      assert.equal(await b.waitExit(t, 60000), 0);
    } finally {
      clearInterval(acker);
    }
    assert.equal(a.of(t).gaps, 0);
    assert.equal(b.of(t).gaps, 0);
    const full = Buffer.concat(a.of(t).chunks);
    const late = Buffer.concat(b.of(t).chunks);
    assert.equal(full.toString(), Array.from({ length: 200000 }, (_, i) => `${i + 1}\r\n`).join(""));
    assert.ok(b.of(t).start > 0, "the ring of 256 KiB had dropped the start: the replay begins later");
    assert.ok(late.equals(full.subarray(b.of(t).start)), "the late client got exactly the tail");
    assertContiguousNumbers(late.toString());

    // Without flow control the output runs at full speed; an attach at any
    // point still joins seamlessly.
    const fast = await a.open({ command: "seq 1 200000" });
    await sleep(50);
    const r2 = await b.attach(fast);
    assert.equal(r2.ok, true);
    await b.waitExit(fast, 60000);
    assert.equal(b.of(fast).gaps, 0);
    assertContiguousNumbers(b.of(fast).text());
    await a.waitExit(fast, 60000);
    assert.equal(a.of(fast).text(), full.toString());
    await a.call("term:close", { id: t });
    await a.call("term:close", { id: fast });
  } finally {
    await a.done();
    await b.done();
  }
});

// 200 MB by default; the sanitizer build of the tests, whose Berth is many
// times slower, floods 50 MB (tests/integration/CMakeLists.txt).
const floodMB = Number(process.env.BERTH_TEST_FLOOD_MB ?? 200);

test(`a flood (yes | head -c ${floodMB}M) arrives completely and in order`, async () => {
  const a = await connect(owner.user);
  let dropped = false;
  a.socket.on("disconnect", () => (dropped = true));
  try {
    const size = floodMB * 1024 * 1024;
    const r = await a.call("term:open", { cols: 80, rows: 24, command: `sleep 0.5; yes | head -c ${size}` });
    assert.equal(r.ok, true, JSON.stringify(r));
    a.of(r.id).sink = repeating("y\r\n");  // the TTY turns each "y\n" into "y\r\n"
    assert.equal(await a.waitExit(r.id, 600000), 0);
    const got = a.of(r.id);
    assert.equal(dropped, false, "the client was never cut off for a full queue");
    assert.equal(got.gaps, 0);
    assert.equal(got.start, 0);
    assert.equal(got.bytes, size * 1.5);
    await a.call("term:close", { id: r.id });
  } finally {
    a.close();
  }
});

test("yes to a slow client that acks: at most 512 KiB unacknowledged, and Berth's RSS grows under 32 MB", async () => {
  const a = await connect(owner.user);
  try {
    const before = rssOf(berth.proc.pid);
    const r = await a.call("term:open", { cols: 80, rows: 24, command: "sleep 0.5; yes", flow: true });
    assert.equal(r.ok, true, JSON.stringify(r));
    const got = a.of(r.id);
    got.sink = repeating("y\r\n");
    // A slow renderer: it acks what it has 5 times a second.
    let acked = 0, worst = 0, peak = before;
    const acker = setInterval(() => {
      worst = Math.max(worst, got.bytes - acked);
      acked = got.bytes;
      a.socket.emit("term:ack", { id: r.id, bytes: acked });
      peak = Math.max(peak, rssOf(berth.proc.pid));
    }, 200);
    try {
      await sleep(10000);
    } finally {
      clearInterval(acker);
    }
    assert.ok(got.bytes > 4 * 512 * 1024, `output flowed as it was acked (${got.bytes} bytes)`);
    assert.ok(worst <= 512 * 1024, `unacknowledged output stays within 512 KiB (${worst})`);
    assert.equal(got.detached, undefined, "a client that acks is never let go");
    assert.equal(got.gaps, 0);
    assert.ok(peak - before < 32 * 1024 * 1024, `RSS grew by ${((peak - before) / 1048576).toFixed(1)} MB`);
    await a.call("term:close", { id: r.id });
  } finally {
    a.close();
  }
});

test("a client that holds its acks is let go after a while, and the others go on", async () => {
  const slow = await connect(owner.user);
  const fast = await connect(owner.user);
  try {
    const t = await fast.open({ command: "sleep 1; seq 1 200000" });
    assert.equal((await slow.attach(t, { flow: true })).ok, true);
    const deadline = Date.now() + 30000;
    while (slow.of(t).detached === undefined) {
      assert.ok(Date.now() < deadline, "the slow client should be detached");
      await sleep(100);
    }
    assert.equal(slow.of(t).detached, "slow");
    assert.equal(await fast.waitExit(t, 60000), 0);
    assertContiguousNumbers(fast.of(t).text());
    assert.equal(fast.of(t).text().split("\r\n").length, 200001, "the fast client got every line");
    await fast.call("term:close", { id: t });
  } finally {
    await slow.done();
    await fast.done();
  }
});
