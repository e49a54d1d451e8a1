// Socket.IO v5 behaviour of /socket.io/ at the packet level.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { delay, engineSocket, ioSocket, openPolling, poll, push, within } from "./helpers.mjs";

const PATH = "/socket.io/";

describe("socket.io connect", () => {
  it("connects to the main namespace, with and without auth", async () => {
    const a = await ioSocket("/");
    assert.equal(a.auth, '42["auth",{}]');
    const b = await ioSocket("/", { token: "t-1", n: 12345678901234567890n.toString() });
    assert.equal(b.auth, '42["auth",{"token":"t-1","n":"12345678901234567890"}]');
    assert.notEqual(a.sid, b.sid);
    a.close();
    b.close();
  });

  it("connects to a custom namespace", async () => {
    const peer = await ioSocket("/custom", { k: [1, 2] });
    assert.equal(peer.auth, '42/custom,["auth",{"k":[1,2]}]');
    peer.close();
  });

  it("refuses an unknown namespace and keeps the connection", async () => {
    const peer = await engineSocket(PATH);
    peer.send("40/nowhere,");
    assert.equal(await peer.next(), '44/nowhere,{"message":"Invalid namespace"}');
    peer.send("40");
    assert.match(await peer.next(), /^40\{"sid":"[^"]+"\}$/);
    peer.close();
  });

  it("passes a middleware refusal with its data", async () => {
    const peer = await engineSocket(PATH);
    peer.send("40/refused,");
    assert.equal(await peer.next(), '44/refused,{"message":"refused","data":{"code":"unauthorized"}}');
    peer.close();
  });

  it("closes a connection that joins no namespace within connectTimeout", async () => {
    const peer = await engineSocket(PATH);
    const started = Date.now();
    // Answering pings keeps Engine.IO alive; only the Socket.IO timeout remains.
    const drain = (async () => { try { for (;;) await peer.next({ timeout: 5000 }); } catch {} })();
    await within(3000, peer.closed, "close");
    assert.ok(Date.now() - started >= 900, `closed after ${Date.now() - started} ms`);
    await drain;
  });

  it("works over long-polling", async () => {
    const sid = await openPolling(PATH);
    assert.equal((await push(PATH, sid, '40{"via":"polling"}')).status, 200);
    // The conformance server pings every 300 ms: on a loaded machine a ping
    // may share a poll with what this test waits for, as the protocol allows.
    const packets = async () => (await poll(PATH, sid)).body.split("\x1e").filter((p) => p !== "2");
    const [connect, auth] = await packets();
    assert.match(connect, /^40\{"sid":"[^"]+"\}$/);
    assert.equal(auth, '42["auth",{"via":"polling"}]');
    await push(PATH, sid, '42["message",true]');
    let back = await packets();
    if (back.length === 0) back = await packets();  // the poll held only a ping
    assert.deepEqual(back, ['42["message-back",true]']);
  });
});

describe("socket.io events", () => {
  it("forwards arguments as the exact JSON text the client sent", async () => {
    const peer = await ioSocket();
    const args = '12345678901234567890,{"a" : 1,"a":2},"\\u00e9\\ud83d\\ude00",-0.0e-0,[ ]';
    peer.send(`42["message",${args}]`);
    assert.equal(await peer.next(), `42["message-back",${args}]`);
    peer.close();
  });

  it("acknowledges with the same arguments", async () => {
    const peer = await ioSocket();
    peer.send('4217["message-with-ack",null,{"x":"y"}]');
    assert.equal(await peer.next(), '4317[null,{"x":"y"}]');
    peer.send('42/custom,5["message-with-ack"]');  // not connected to /custom: ignored
    peer.send('4218["message-with-ack"]');
    assert.equal(await peer.next(), "4318[]");
    peer.close();
  });

  it("round-trips binary attachments, top-level and nested", async () => {
    const peer = await ioSocket();
    peer.send('452-["message",{"_placeholder":true,"num":0},{"deep":[{"_placeholder":true,"num":1}]}]');
    peer.send(Buffer.from([1, 2, 3]));
    peer.send(Buffer.from([]));
    assert.equal(await peer.next(), '452-["message-back",{"_placeholder":true,"num":0},{"deep":[{"_placeholder":true,"num":1}]}]');
    assert.deepEqual(await peer.next(), Buffer.from([1, 2, 3]));
    assert.deepEqual(await peer.next(), Buffer.from([]));
    peer.send('451-9["message-with-ack",{"_placeholder":true,"num":0}]');
    peer.send(Buffer.from([9]));
    assert.equal(await peer.next(), '461-9[{"_placeholder":true,"num":0}]');
    assert.deepEqual(await peer.next(), Buffer.from([9]));
    peer.close();
  });

  it("delivers to a room, not to the sender or outsiders", async () => {
    const [a, b, c] = [await ioSocket(), await ioSocket(), await ioSocket()];
    a.send('421["join","lobby"]');
    b.send('421["join","lobby"]');
    assert.equal(await a.next(), "431[true]");
    assert.equal(await b.next(), "431[true]");
    a.send('42["to-room","lobby",{"hello":"room"},7]');
    assert.equal(await b.next(), '42["room-message",{"hello":"room"},7]');
    c.send('42["message","c-check"]');
    assert.equal(await c.next(), '42["message-back","c-check"]');  // c got nothing before this
    a.send('42["message","a-check"]');
    assert.equal(await a.next(), '42["message-back","a-check"]');
    for (const p of [a, b, c]) p.close();
  });

  it("leaving a namespace keeps the connection and the other namespaces", async () => {
    const peer = await ioSocket();
    peer.send("40/custom,");
    assert.match(await peer.next(), /^40\/custom,\{"sid":/);
    await peer.next();  // auth
    peer.send("41/custom,");
    peer.send('42/custom,["message","ignored"]');
    peer.send('42["message","main"]');
    assert.equal(await peer.next(), '42["message-back","main"]');
    peer.close();
  });
});

describe("socket.io server-to-client acks", () => {
  it("delivers the client's answer to the server", async () => {
    const peer = await ioSocket();
    peer.send('42["ask",{"q":1}]');
    const question = await peer.next();
    const m = /^42(\d+)\["question",\{"q":1\}\]$/.exec(question);
    assert.ok(m, question);
    peer.send(`43${m[1]}["yes",2]`);
    assert.equal(await peer.next(), '42["answer","yes",2]');
    peer.close();
  });

  it("times out when the client never answers", async () => {
    const peer = await ioSocket();
    peer.send('42["ask"]');
    assert.match(await peer.next(), /^42\d+\["question"\]$/);
    assert.equal(await peer.next({ timeout: 3000 }), '42["answer-error","timeout"]');
    peer.close();
  });
});

describe("socket.io invalid packets close the connection", () => {
  const cases = {
    "unknown packet type": ["4abc"],
    "event payload that is not an array": ["42{}"],
    "ack id that is not a number": ['42abc["message"]'],
    "event name that is not a string": ["42[1]"],
    "reserved event name": ['42["disconnect"]'],
    "connect payload that is not an object": ["40[]"],
    "attachment count that lies": ['452-["message",{"_placeholder":true,"num":0}]'],
    "placeholder out of range": ['451-["message",{"_placeholder":true,"num":4}]'],
    "binary message nobody announced": [Buffer.from([1])],
    "text while attachments are due": ['451-["message",{"_placeholder":true,"num":0}]', '42["message"]'],
    "ack id beyond 2^53": ['429007199254740993["message"]'],
    "namespace with a space": ["40/a b,"],
    "CONNECT_ERROR from a client": ['44{"message":"x"}'],
  };
  for (const [name, packets] of Object.entries(cases)) {
    it(name, async () => {
      const peer = await ioSocket();
      for (const p of packets) peer.send(p);
      await within(2000, peer.closed, "close");
    });
  }

  it("but an event for a namespace it never joined is only ignored", async () => {
    const peer = await ioSocket();
    peer.send('42/custom,["message"]');
    await delay(50);
    peer.send('42["message",1]');
    assert.equal(await peer.next(), '42["message-back",1]');
    peer.close();
  });
});
