// The official socket.io-client against Berth: what the browser editor uses.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { BASE, within } from "./helpers.mjs";

function connect(nsp = "/", options = {}) {
  const socket = io(BASE + nsp, { forceNew: true, reconnection: false, ...options });
  return socket;
}

const once = (socket, event, ms = 3000) => within(ms, new Promise((resolve) => socket.once(event, (...a) => resolve(a))), event);

describe("socket.io-client", () => {
  for (const transports of [["polling", "websocket"], ["polling"], ["websocket"]]) {
    it(`connects, acks and round-trips binary over ${transports.join("+")}`, async () => {
      const socket = connect("/", { transports, auth: (cb) => cb({ token: "abc" }) });
      const [auth] = await once(socket, "auth");
      assert.deepEqual(auth, { token: "abc" });
      const reply = await within(3000, socket.timeout(2000).emitWithAck("message-with-ack", 1, { two: [2] }), "ack");
      assert.equal(reply, 1);  // emitWithAck resolves with the first argument
      const both = await new Promise((resolve) => socket.emit("message-with-ack", "a", "b", (...args) => resolve(args)));
      assert.deepEqual(both, ["a", "b"]);
      socket.emit("message", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) });
      const [buf, obj] = await once(socket, "message-back");
      assert.deepEqual(Buffer.from(buf), Buffer.from([1, 2, 3]));
      assert.deepEqual(Buffer.from(obj.nested), Buffer.from([4]));
      if (transports.length === 2) {
        await within(3000, new Promise((resolve) => {
          if (socket.io.engine.transport.name === "websocket") resolve();
          else socket.io.engine.once("upgrade", resolve);
        }), "upgrade");
      }
      socket.disconnect();
    });
  }

  it("answers 500 pipelined calls in order, text and binary, over websocket", async () => {
    // Many calls in flight: the server answers several per write (a batch);
    // every answer must arrive, whole and in order.
    const socket = connect("/", { transports: ["websocket"] });
    await once(socket, "auth");
    const backs = [];
    socket.on("message-back", (...args) => backs.push(args));
    const acks = await within(10000, Promise.all(Array.from({ length: 500 }, (_, i) =>
      socket.timeout(8000).emitWithAck("message-with-ack", { i, pad: "x".repeat(i % 97) }))), "acks");
    acks.forEach((a, i) => assert.equal(a.i, i));
    for (let i = 0; i < 50; i++) socket.emit("message", i, Buffer.from([i, 255 - i]));
    await within(5000, new Promise((resolve) => {
      const check = () => (backs.length >= 50 ? resolve() : setTimeout(check, 10));
      check();
    }), "50 binary echoes");
    backs.forEach(([n, buf], i) => {
      assert.equal(n, i);
      assert.deepEqual(Buffer.from(buf), Buffer.from([i, 255 - i]));
    });
    socket.disconnect();
  });

  it("answers a server-to-client ack", async () => {
    const socket = connect();
    await once(socket, "auth");
    socket.on("question", (q, cb) => cb({ echoed: q }));
    socket.emit("ask", "why");
    const [answer] = await once(socket, "answer");
    assert.deepEqual(answer, { echoed: "why" });
    socket.disconnect();
  });

  it("reports middleware refusals and unknown namespaces as connect_error", async () => {
    const refused = connect("/refused");
    const [err] = await once(refused, "connect_error");
    assert.equal(err.message, "refused");
    assert.deepEqual(err.data, { code: "unauthorized" });
    refused.close();
    const unknown = connect("/unknown");
    const [err2] = await once(unknown, "connect_error");
    assert.equal(err2.message, "Invalid namespace");
    unknown.close();
  });

  it("gets room messages from other clients", async () => {
    const a = connect();
    const b = connect();
    await Promise.all([once(a, "auth"), once(b, "auth")]);
    await Promise.all([a.emitWithAck("join", "r1"), b.emitWithAck("join", "r1")]);
    a.emit("to-room", "r1", "hi", 42);
    const got = await once(b, "room-message");
    assert.deepEqual(got, ["hi", 42]);
    a.disconnect();
    b.disconnect();
  });
});
