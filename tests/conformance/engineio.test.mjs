// Engine.IO v4 behaviour of the raw echo endpoint /engine.io/.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Peer, PING_INTERVAL, PING_TIMEOUT, delay, engineSocket, openPolling, poll, push, url, within } from "./helpers.mjs";

const PATH = "/engine.io/";

describe("engine.io handshake", () => {
  it("opens a polling session with exactly the five handshake fields", async () => {
    const res = await fetch(url(PATH, { EIO: "4", transport: "polling" }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/plain/);
    const text = await res.text();
    assert.equal(text[0], "0");
    const hs = JSON.parse(text.slice(1));
    assert.deepEqual(Object.keys(hs).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
    assert.deepEqual(hs.upgrades, ["websocket"]);
    assert.equal(hs.pingInterval, PING_INTERVAL);
    assert.equal(hs.pingTimeout, PING_TIMEOUT);
    assert.equal(hs.maxPayload, 1000000);
    assert.equal(typeof hs.sid, "string");
  });

  it("opens a WebSocket session that offers no upgrade", async () => {
    const peer = await engineSocket(PATH);
    assert.deepEqual(peer.handshake.upgrades, []);
    assert.equal(peer.handshake.pingInterval, PING_INTERVAL);
    peer.close();
  });

  it("answers 400 to a bad protocol version, transport, method or sid", async () => {
    const cases = [
      [{ transport: "polling" }, "GET"],
      [{ EIO: "3", transport: "polling" }, "GET"],
      [{ EIO: "x", transport: "polling" }, "GET"],
      [{ EIO: "4" }, "GET"],
      [{ EIO: "4", transport: "carrier-pigeon" }, "GET"],
      [{ EIO: "4", transport: "polling" }, "POST"],
      [{ EIO: "4", transport: "polling" }, "PUT"],
      [{ EIO: "4", transport: "polling", sid: "no-such-session" }, "GET"],
      [{ EIO: "4", transport: "websocket" }, "GET"],
    ];
    for (const [params, method] of cases) {
      const res = await fetch(url(PATH, params), { method });
      assert.equal(res.status, 400, `${method} ${JSON.stringify(params)}`);
      await res.text();
    }
  });

  it("refuses WebSocket handshakes with bad parameters", async () => {
    for (const params of [{ transport: "websocket" }, { EIO: "4", transport: "nope" }, { EIO: "4", transport: "websocket", sid: "gone" }]) {
      const peer = new Peer(PATH, params);
      await assert.rejects(peer.opened);
      await peer.closed;
    }
  });
});

describe("engine.io long-polling", () => {
  it("echoes text and binary packets in one payload", async () => {
    const sid = await openPolling(PATH);
    const body = "4first\x1e4sec\u00f6nd\x1ebAAEC/w==";
    assert.deepEqual(await push(PATH, sid, body), { status: 200, body: "ok" });
    assert.deepEqual(await poll(PATH, sid), { status: 200, body });
  });

  it("holds a GET until there is something to send", async () => {
    const sid = await openPolling(PATH);
    const held = poll(PATH, sid);
    await delay(50);
    await push(PATH, sid, "4late");
    assert.deepEqual(await held, { status: 200, body: "4late" });
  });

  it("closes the session on a packet it cannot parse", async () => {
    const sid = await openPolling(PATH);
    assert.equal((await push(PATH, sid, "9nine")).status, 400);
    assert.equal((await poll(PATH, sid)).status, 400);
  });

  it("closes the session on a second concurrent GET", async () => {
    const sid = await openPolling(PATH);
    const first = poll(PATH, sid);
    await delay(20);
    const second = await poll(PATH, sid);
    assert.equal(second.status, 400);
    assert.deepEqual(await first, { status: 200, body: "1" });
    assert.equal((await poll(PATH, sid)).status, 400);
  });

  it("ends a held GET with a noop when the client sends close", async () => {
    const sid = await openPolling(PATH);
    const held = poll(PATH, sid);
    await delay(20);
    assert.equal((await push(PATH, sid, "1")).status, 200);
    assert.deepEqual(await held, { status: 200, body: "6" });
    assert.equal((await poll(PATH, sid)).status, 400);
  });

  it("pings every pingInterval and keeps a session that answers", async () => {
    const sid = await openPolling(PATH);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      assert.deepEqual(await poll(PATH, sid), { status: 200, body: "2" });
      assert.ok(Date.now() - started >= PING_INTERVAL - 100);
      assert.equal((await push(PATH, sid, "3")).status, 200);
    }
  });

  it("drops a session that does not answer the ping", async () => {
    const sid = await openPolling(PATH);
    await delay(PING_INTERVAL + PING_TIMEOUT + 100);
    assert.equal((await poll(PATH, sid)).status, 400);
  });

  it("answers 413 to a body over maxPayload", async () => {
    const sid = await openPolling(PATH);
    const res = await fetch(url(PATH, { EIO: "4", transport: "polling", sid }), {
      method: "POST",
      body: "4" + "x".repeat(1000000),
    });
    assert.equal(res.status, 413);
  });
});

describe("engine.io websocket", () => {
  it("echoes text and binary frames", async () => {
    const peer = await engineSocket(PATH);
    peer.send("4caf\u00e9");
    assert.equal(await peer.next(), "4caf\u00e9");
    peer.send(Buffer.from([0, 255, 7]));
    assert.deepEqual(await peer.next(), Buffer.from([0, 255, 7]));
    peer.close();
  });

  it("sends pings and closes when they go unanswered", async () => {
    const peer = await engineSocket(PATH);
    for (let i = 0; i < 2; i++) {
      assert.equal(await peer.next({ skipPings: false }), "2");
      peer.send("3");
    }
    assert.equal(await peer.next({ skipPings: false }), "2");
    await within(PING_TIMEOUT + 1000, peer.closed, "close");
  });

  it("closes on an invalid packet, on close, and on a message over maxPayload", async () => {
    for (const bad of ["", "x", "1", "4" + "y".repeat(1000001)]) {
      const peer = await engineSocket(PATH);
      peer.send(bad);
      await within(2000, peer.closed, `close after ${bad.slice(0, 8)}`);
    }
  });
});

describe("engine.io upgrade", () => {
  it("probes, ends the held GET with a noop, and moves the queue to the WebSocket", async () => {
    const sid = await openPolling(PATH);
    const held = poll(PATH, sid);
    await delay(20);
    const peer = new Peer(PATH, { EIO: "4", transport: "websocket", sid });
    await peer.opened;
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    assert.deepEqual(await held, { status: 200, body: "6" });
    // Sent while upgrading: queued for the WebSocket once 5 arrives.
    assert.equal((await push(PATH, sid, "4in-between")).status, 200);
    peer.send("5");
    assert.equal(await peer.next(), "4in-between");
    peer.send("4after");
    assert.equal(await peer.next(), "4after");
    assert.equal((await poll(PATH, sid)).status, 400);
    assert.equal((await push(PATH, sid, "4x")).status, 400);
    const intruder = new Peer(PATH, { EIO: "4", transport: "websocket", sid });
    await within(2000, intruder.closed, "close of a second WebSocket");
    peer.send("4still-here");
    assert.equal(await peer.next(), "4still-here");
    peer.close();
  });

  it("keeps polling when the probe socket goes away before 5", async () => {
    const sid = await openPolling(PATH);
    const peer = new Peer(PATH, { EIO: "4", transport: "websocket", sid });
    await peer.opened;
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    peer.close();
    await peer.closed;
    await delay(20);
    await push(PATH, sid, "4polling");
    assert.deepEqual(await poll(PATH, sid), { status: 200, body: "4polling" });
  });
});
