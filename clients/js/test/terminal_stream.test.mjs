// TerminalStream on its own (no server): output that arrives before anyone
// listens is held and handed over in order, with the exit after it; repeats
// of a re-attach are dropped; automatic acks count what was handed over.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TerminalStream } from "../dist/terminal.js";

const bytes = (text) => new TextEncoder().encode(text);
const text = (chunks) => new TextDecoder().decode(Buffer.concat(chunks.map((c) => c.data)));

function transport() {
  const acks = [];
  return { acks, send: (event, payload) => acks.push(payload), input: async () => {}, resize: async () => {}, close: async () => {}, attach: async () => ({}) };
}

test("what came before the first data listener is handed to it, in order, then the exit", async () => {
  const t = transport();
  const stream = new TerminalStream(t, "t1", true, true);
  stream.attachedWith({ offset: 0, scrollback: bytes("ab"), exitCode: null }, true);
  stream.data({ id: "t1", offset: 2, data: bytes("cd") });
  stream.exited(0);
  const got = [];
  const events = [];
  stream.on("data", (d) => (got.push(d), events.push("data")));
  stream.on("exit", () => events.push("exit"));
  assert.deepEqual(got, [], "not inside on(): the caller's other listeners come first");
  await Promise.resolve();
  assert.equal(text(got), "abcd");
  assert.deepEqual(events, ["data", "data", "exit"]);
  stream.data({ id: "t1", offset: 3, data: bytes("def") });  // "d" repeated
  assert.equal(text(got), "abcdef");
  assert.equal(got.at(-1).offset, 4);
});

test("automatic acks count only bytes handed over, never the scrollback", async () => {
  const t = transport();
  const stream = new TerminalStream(t, "t2", true, true);
  stream.attachedWith({ offset: 0, scrollback: bytes("x".repeat(10)), exitCode: null }, true);
  stream.data({ id: "t2", offset: 10, data: new Uint8Array(70 * 1024) });
  assert.deepEqual(t.acks, [], "nothing processed while nobody listens");
  stream.on("data", () => {});
  await Promise.resolve();
  assert.deepEqual(t.acks, [{ id: "t2", bytes: 70 * 1024 }]);
});
