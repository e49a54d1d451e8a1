// The project connection over Socket.IO (DESIGN §5), with the official
// socket.io-client: auth {token, projectId}, membership, project:status,
// and being cut off when access ends.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { io } from "socket.io-client";
import { startBerth, signup, JWT_SECRET } from "../lib/berth.mjs";
import { signHs256 } from "../lib/jwt.mjs";

let berth, alice, bob, project;
before(async () => {
  berth = await startBerth();
  alice = await signup(berth.url, "alice");
  bob = await signup(berth.url, "bob");
  project = (await alice.api.post("/api/v1/projects", { name: "live" })).json;
});
after(() => berth.stop());

// Connects and resolves with the socket and its first project:status, or
// rejects with the CONNECT_ERROR.
function connect(auth, transports = ["websocket"]) {
  return new Promise((resolve, reject) => {
    const socket = io(berth.url, { auth: (cb) => cb(auth), transports, reconnection: false, forceNew: true });
    socket.once("project:status", (status) => resolve({ socket, status }));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

const closed = (socket) => new Promise((resolve) => socket.once("disconnect", (reason) => resolve(reason)));

for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]]) {
  test(`a member connects and gets project:status (${transports.join("→")})`, async () => {
    const { socket, status } = await connect({ token: alice.accessToken, projectId: project.id }, transports);
    assert.equal(status.state, "stopped");
    assert.ok(socket.connected);
    socket.close();
  });
}

test("a bad or missing token is refused with code unauthorized", async () => {
  for (const auth of [{ projectId: project.id }, { token: "garbage", projectId: project.id }, {}]) {
    await assert.rejects(connect(auth), (err) => {
      assert.equal(err.data?.code, "unauthorized", JSON.stringify(err.data));
      assert.ok(err.message.length > 0);
      return true;
    });
  }
});

test("a project the user may not see is refused with not_found", async () => {
  for (const projectId of [project.id, randomUUID(), "not-a-uuid"]) {
    await assert.rejects(connect({ token: bob.accessToken, projectId }), (err) => err.data?.code === "not_found");
  }
});

test("removing the member disconnects their socket", async () => {
  await alice.api.put(`/api/v1/projects/${project.id}/members/${bob.user.id}`, { role: "viewer" });
  const { socket } = await connect({ token: bob.accessToken, projectId: project.id });
  const gone = closed(socket);
  assert.equal((await alice.api.del(`/api/v1/projects/${project.id}/members/${bob.user.id}`)).status, 204);
  assert.equal(await gone, "io server disconnect"); // the client does not reconnect on its own
  await assert.rejects(connect({ token: bob.accessToken, projectId: project.id }), (err) => err.data?.code === "not_found");
});

test("deleting the project disconnects everyone in it", async () => {
  const doomed = (await alice.api.post("/api/v1/projects", { name: "doomed" })).json;
  const { socket } = await connect({ token: alice.accessToken, projectId: doomed.id });
  const gone = closed(socket);
  assert.equal((await alice.api.del(`/api/v1/projects/${doomed.id}`)).status, 204);
  await gone;
});

test("a token accepted inside the clock leeway keeps its socket until the leeway ends, then it is cut", async () => {
  const now = Math.floor(Date.now() / 1000);
  // exp passed 27 s ago: inside the default 30 s leeway, so the handshake
  // accepts it, and the socket lives the ~3 s left, not a moment less.
  const token = signHs256({ sub: alice.user.id, role: "authenticated", aud: "authenticated", exp: now - 27 }, JWT_SECRET);
  const connectedAt = Date.now();
  const { socket } = await connect({ token, projectId: project.id });
  const reason = await closed(socket);
  // The server cuts it (not a transport error or a client close).
  assert.equal(reason, "io server disconnect");
  const lived = Date.now() - connectedAt;
  assert.ok(lived >= 1000 && lived < 8000, `cut after ${lived} ms, at exp + leeway`);
});

test("a role change applies to an open socket at once", async () => {
  const p = (await alice.api.post("/api/v1/projects", { name: "roles-live" })).json;
  assert.equal((await alice.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "editor" })).status, 200);
  const { socket } = await connect({ token: bob.accessToken, projectId: p.id });
  try {
    assert.equal((await alice.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "viewer" })).status, 200);
    const denied = await socket.timeout(5000).emitWithAck("exec:run", { command: "echo hi" });
    assert.equal(denied.ok, false);
    assert.equal(denied.error.code, "forbidden", JSON.stringify(denied));
  } finally {
    socket.close();
  }
});

test("two owners demoting each other at once still leave the project an owner", async () => {
  for (let round = 0; round < 5; round++) {
    const p = (await alice.api.post("/api/v1/projects", { name: `owners-${round}` })).json;
    assert.equal((await alice.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "owner" })).status, 200);
    const [a, b] = await Promise.all([
      alice.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "viewer" }),
      bob.api.put(`/api/v1/projects/${p.id}/members/${alice.user.id}`, { role: "viewer" }),
    ]);
    const statuses = [a.status, b.status].sort();
    // Either one wins and the other is refused (409), or the second found its caller no longer an owner (403).
    assert.ok(statuses[0] === 200 && (statuses[1] === 409 || statuses[1] === 403), JSON.stringify([a.json, b.json]));
    const members = (await alice.api.get(`/api/v1/projects/${p.id}/members`)).json.members;
    assert.equal(members.filter((m) => m.role === "owner").length, 1, JSON.stringify(members));
  }
});

test("the last owner cannot leave or step down", async () => {
  const p = (await alice.api.post("/api/v1/projects", { name: "alone" })).json;
  const down = await alice.api.put(`/api/v1/projects/${p.id}/members/${alice.user.id}`, { role: "editor" });
  assert.equal(down.status, 409);
  assert.equal(down.json.error.code, "conflict");
  assert.equal((await alice.api.del(`/api/v1/projects/${p.id}/members/${alice.user.id}`)).status, 409);
});
