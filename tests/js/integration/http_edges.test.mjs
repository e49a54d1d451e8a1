// The HTTP server under bad input: each gets a clear 4xx and the server
// keeps serving everyone else.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { startBerth, client, signup } from "../lib/berth.mjs";

let berth, alice;
before(async () => {
  berth = await startBerth({ env: { BERTH_MAX_BODY: "4096" } });
  alice = await signup(berth.url, "alice");
});
after(() => berth.stop());

// Sends raw bytes and collects the whole answer (the server closes after errors).
function raw(port, bytes, { waitMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let out = "";
    sock.on("data", (d) => (out += d.toString("latin1")));
    sock.on("close", () => resolve(out));
    sock.on("error", () => resolve(out));
    sock.setTimeout(waitMs, () => sock.destroy());
    sock.write(bytes);
  });
}

const status = (response) => Number(response.split(" ")[1]);

test("malformed JSON is a 400 with the JSON error shape", async () => {
  const r = await alice.api.post("/api/v1/projects", '{"name": "x",');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, "bad_request");
  assert.match(r.json.error.message, /not valid JSON/);
});

test("invalid UTF-8 in a JSON body is refused", async () => {
  const body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const r = await alice.api.post("/api/v1/projects", new Uint8Array(body));
  assert.equal(r.status, 400);
});

test("a body over the bound is 413, by Content-Length and when chunked", async () => {
  const big = JSON.stringify({ name: "x", description: "y".repeat(5000) });
  const r = await alice.api.post("/api/v1/projects", big);
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, "too_large");
  const chunk = "y".repeat(5000);
  const res = await raw(berth.port,
    `POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
  assert.equal(status(res), 413);
});

test("a client still sending a 20 MB body reads the early 413 (no EPIPE, no reset)", async () => {
  const body = JSON.stringify({ name: "x", description: "y".repeat(20 * 1024 * 1024) });
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${berth.url}/api/v1/projects`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${alice.accessToken}` },
      body,
    });
    assert.equal(r.status, 413);
    assert.equal((await r.json()).error.code, "too_large");
  }
  assert.equal((await alice.api.get("/api/v1/projects")).status, 200);
});

test("huge headers get 431", async () => {
  const res = await raw(berth.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`);
  assert.equal(status(res), 431);
});

test("garbage instead of HTTP gets 400", async () => {
  const res = await raw(berth.port, "\x16\x03\x01 hello this is not http\r\n\r\n");
  assert.equal(status(res), 400);
});

test("unknown routes are 404 and wrong methods 405 with Allow", async () => {
  const api = client(berth.url);
  const nf = await api.get("/api/v1/nothing-here");
  assert.equal(nf.status, 404);
  assert.equal(nf.json.error.code, "not_found");
  const na = await api.put("/healthz", {});
  assert.equal(na.status, 405);
  assert.match(na.headers.get("allow"), /GET/);
});

test("a slow client is cut by the header timeout while others are served", async () => {
  const slow = connect(berth.port, "127.0.0.1");
  slow.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"); // never finishes its headers
  const closed = new Promise((resolve) => slow.on("close", resolve));
  // Meanwhile others are served normally.
  for (let i = 0; i < 5; i++) assert.equal((await client(berth.url).get("/healthz")).status, 200);
  await closed; // the header timeout (15 s) closes it
});

test("keep-alive serves several requests on one connection", async () => {
  const res = await raw(berth.port,
    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.equal(res.match(/HTTP\/1.1 200/g).length, 2);
});
