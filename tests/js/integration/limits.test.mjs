// Bounds on what one user or one node may take: each refusal is a stable
// code (limit_reached) whose message names the setting.
// Socket.IO connections still being set up count toward a bound of their own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { io } from "socket.io-client";
import { startBerth, signup } from "../lib/berth.mjs";

test("projects per user: the bound holds, also for creates that race", async () => {
  const berth = await startBerth({ env: { BERTH_MAX_PROJECTS_PER_USER: "3" } });
  try {
    const alice = await signup(berth.url, "alice");
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => alice.api.post("/api/v1/projects", { name: `p${i}` })),
    );
    const created = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    assert.equal(created.length, 3, JSON.stringify(answers.map((a) => a.status)));
    for (const r of refused) {
      assert.equal(r.status, 429);
      assert.equal(r.json.error.code, "limit_reached");
      assert.match(r.json.error.message, /BERTH_MAX_PROJECTS_PER_USER/);
    }
    // Another user has a bound of their own; deleting one makes room again.
    const bob = await signup(berth.url, "bob");
    assert.equal((await bob.api.post("/api/v1/projects", { name: "mine" })).status, 201);
    assert.equal((await alice.api.del(`/api/v1/projects/${created[0].json.id}`)).status, 204);
    assert.equal((await alice.api.post("/api/v1/projects", { name: "again" })).status, 201);
  } finally {
    await berth.stop();
  }
});

test("HTTP connections per node: past the bound a client gets a 503 it can read", async () => {
  const berth = await startBerth({ env: { BERTH_MAX_CONNECTIONS: "3" } });
  const held = [];
  try {
    for (let i = 0; i < 3; i++) {
      const s = connect(berth.port, "127.0.0.1");
      await new Promise((r) => s.once("connect", r));
      held.push(s);
    }
    await new Promise((r) => setTimeout(r, 100));
    const answer = await new Promise((resolve) => {
      const s = connect(berth.port, "127.0.0.1");
      let out = "";
      s.on("data", (d) => (out += d));
      s.on("close", () => resolve(out));
      s.on("error", () => resolve(out));
      s.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    assert.match(answer, /^HTTP\/1\.1 503/);
    assert.match(answer, /Retry-After: 5/);
    assert.match(answer, /"code":"limit_reached".*BERTH_MAX_CONNECTIONS/);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await fetch(`${berth.url}/healthz`)).status, 200);
  } finally {
    for (const s of held) s.destroy();
    await berth.stop();
  }
});

test("Socket.IO connections not yet authenticated per node: past the bound new handshakes get a 503", async () => {
  const berth = await startBerth({ env: { BERTH_MAX_PENDING_SOCKETS: "2" } });
  const handshake = () => fetch(`${berth.url}/socket.io/?EIO=4&transport=polling`);
  const sid = async (r) => JSON.parse((await r.text()).slice(1)).sid;
  let client;
  try {
    // A client that connected with a valid token does not count.
    const alice = await signup(berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "p" })).json;
    client = io(berth.url, { auth: { token: alice.accessToken, projectId: project.id }, transports: ["websocket"], reconnection: false, forceNew: true });
    await new Promise((resolve, reject) => (client.once("project:status", resolve), client.once("connect_error", reject)));

    const first = await handshake();
    const second = await handshake();
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    const refused = await handshake();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "5");
    const body = await refused.json();
    assert.equal(body.error.code, "limit_reached");
    assert.match(body.error.message, /BERTH_MAX_PENDING_SOCKETS/);
    // The official client over WebSocket is refused too, and says so.
    const late = io(berth.url, { auth: { token: alice.accessToken, projectId: project.id }, transports: ["websocket"], reconnection: false, forceNew: true });
    const error = await new Promise((resolve) => (late.once("connect_error", resolve), late.once("connect", () => resolve(null))));
    late.close();
    assert.ok(error, "the handshake past the bound is refused");

    // A pending session that closes makes room again.
    // (a close packet, then the GET that collects the session's last packet)
    const session = `${berth.url}/socket.io/?EIO=4&transport=polling&sid=${await sid(first)}`;
    assert.equal((await fetch(session, { method: "POST", body: "1" })).status, 200);
    await (await fetch(session)).text();
    assert.equal((await handshake()).status, 200);
    assert.equal(client.connected, true, "the authenticated client stayed connected throughout");
  } finally {
    client?.close();
    await berth.stop();
  }
});
