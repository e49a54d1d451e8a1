// Terminal output under load (DESIGN §5 term:*): an attach in the middle of
// a stream joins replay and live output without a byte lost or repeated,
// a flood arrives whole and in order without the client being cut off, and
// a client that holds its acks is let go so the others go on.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startRuntimeBerth, userWithProject, removeContainers, sleep } from "../docker/helpers.mjs";
import { connectTo, assertContiguousNumbers } from "./terminal_client.mjs";

let berth, owner, id;
before(async () => {
  berth = await startRuntimeBerth();
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
    await a.waitFor(t, (text) => text.length > 100000);
    await sleep(500);
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

test("a flood (yes | head -c 50M) arrives completely and in order", async () => {
  const a = await connect(owner.user);
  let dropped = false;
  a.socket.on("disconnect", () => (dropped = true));
  try {
    const t = await a.open({ command: "yes | head -c 52428800" });
    assert.equal(await a.waitExit(t, 300000), 0);
    const got = a.of(t);
    assert.equal(dropped, false, "the client was never cut off for a full queue");
    assert.equal(got.gaps, 0);
    // The TTY turns each "y\n" into "y\r\n".
    assert.equal(got.bytes, 52428800 * 1.5);
    let phase = 0;
    const pattern = Buffer.from("y\r\n");
    for (const chunk of got.chunks)
      for (let i = 0; i < chunk.length; i++, phase = (phase + 1) % 3)
        if (chunk[i] !== pattern[phase]) assert.fail(`byte ${i} of a chunk is ${chunk[i]}, not ${pattern[phase]}`);
    await a.call("term:close", { id: t });
  } finally {
    await a.done();
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
