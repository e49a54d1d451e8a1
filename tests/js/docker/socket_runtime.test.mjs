// The runtime over Socket.IO: project:status follows start and stop for
// every client of the project, and exec:run runs commands for editors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startRuntimeBerth, userWithProject, removeContainers, docker } from "./helpers.mjs";
import { signup } from "../lib/berth.mjs";

let berth, owner, id;
before(async () => {
  berth = await startRuntimeBerth();
  owner = await userWithProject(berth);
  id = owner.id;
});
after(async () => {
  await berth?.stop();
  removeContainers([id]);
});

function connect(token) {
  return new Promise((resolve, reject) => {
    const socket = io(berth.url, { auth: (cb) => cb({ token, projectId: id }), transports: ["websocket"], reconnection: false, forceNew: true });
    const states = [];
    socket.on("project:status", (s) => states.push(s));
    socket.once("project:status", () => resolve({ socket, states }));
    socket.once("connect_error", reject);
  });
}

const until = async (f) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(f());
};

test("project:status follows a REST start and stop", async () => {
  const { socket, states } = await connect(owner.user.accessToken);
  assert.equal(states[0].state, "stopped");
  assert.equal((await owner.api.post(`/api/v1/projects/${id}/start`)).json.state, "ready");
  await until(() => states.some((s) => s.state === "ready"));
  // "starting" repeats while its progress moves (opening files, container).
  const changes = states.map((s) => s.state).filter((s, i, all) => s !== all[i - 1]);
  assert.deepEqual(changes.slice(0, 3), ["stopped", "starting", "ready"]);
  await owner.api.post(`/api/v1/projects/${id}/stop`);
  await until(() => states.at(-1).state === "stopped");
  socket.close();
});

test("a container that dies on its own turns the project to error with code container_exited", async () => {
  const { socket, states } = await connect(owner.user.accessToken);
  assert.equal((await owner.api.post(`/api/v1/projects/${id}/start`)).json.state, "ready");
  await until(() => states.at(-1).state === "ready");
  docker("kill", `berth-${id}`);  // behind Berth's back, as a crash would
  await until(() => states.at(-1).state === "error");
  assert.equal(states.at(-1).code, "container_exited");
  assert.match(states.at(-1).message, /exit code 137/);
  // A client that connects now sees the error too, and a start brings it back.
  const late = await connect(owner.user.accessToken);
  assert.equal(late.states[0].state, "error");
  assert.equal(late.states[0].code, "container_exited");
  assert.equal((await owner.api.post(`/api/v1/projects/${id}/start`)).json.state, "ready");
  await until(() => states.at(-1).state === "ready");
  await owner.api.post(`/api/v1/projects/${id}/stop`);
  await until(() => states.at(-1).state === "stopped");
  socket.close();
  late.socket.close();
});

test("output that is not UTF-8 arrives as bytes, losslessly, and the connection stays up", async () => {
  const { socket } = await connect(owner.user.accessToken);
  let dropped = false;
  socket.on("disconnect", () => (dropped = true));
  const r = await socket.timeout(30000).emitWithAck("exec:run", { command: "printf '\\377\\376abc'; printf 'ok' >&2" });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.stdoutEncoding, "binary");
  assert.ok(Buffer.isBuffer(r.stdout));
  assert.deepEqual([...r.stdout], [0xff, 0xfe, 0x61, 0x62, 0x63]);
  assert.equal(r.stderr, "ok");
  // Random bytes on both streams, 1 MiB each (the per-stream bound): 2 MiB in one ack.
  const big = await socket.timeout(60000).emitWithAck("exec:run", {
    command: "head -c 1048576 /dev/urandom > /tmp/r; cat /tmp/r; cat /tmp/r >&2; sha256sum /tmp/r >&2",
  });
  assert.equal(big.ok, true);
  assert.equal(big.stdoutEncoding, "binary");
  assert.equal(big.stdout.length, 1048576);
  assert.ok(big.stderr.length === 1048576 || big.truncated, "stderr carries the bytes (its hash line may be cut)");
  assert.deepEqual(big.stderr.subarray(0, 1048576), big.stdout);
  // And over REST, the same bytes come as base64.
  const rest = await owner.api.post(`/api/v1/projects/${id}/exec`, { command: "printf '\\377\\376abc'" });
  assert.equal(rest.status, 200);
  assert.equal(rest.json.stdoutEncoding, "base64");
  assert.deepEqual([...Buffer.from(rest.json.stdout, "base64")], [0xff, 0xfe, 0x61, 0x62, 0x63]);
  assert.equal((await socket.timeout(30000).emitWithAck("exec:run", { command: "echo still" })).stdout, "still\n");
  assert.equal(dropped, false);
  socket.close();
});

test("exec:run answers with exit code and output; bad input and viewers get error codes", async () => {
  const { socket } = await connect(owner.user.accessToken);
  const r = await socket.timeout(30000).emitWithAck("exec:run", { command: "echo from-socket; exit 4" });
  assert.deepEqual(r, {
    ok: true, exitCode: 4, stdout: "from-socket\n", stderr: "", stdoutEncoding: "utf8", stderrEncoding: "utf8",
    truncated: false, timedOut: false,
  });
  const bad = await socket.timeout(5000).emitWithAck("exec:run", { command: 42 });
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, "bad_request");
  const none = await socket.timeout(5000).emitWithAck("exec:run", "ls");
  assert.equal(none.error.code, "bad_request");
  socket.close();

  const viewer = await signup(berth.url, "viewer");
  await owner.api.put(`/api/v1/projects/${id}/members/${viewer.user.id}`, { role: "viewer" });
  const { socket: vs } = await connect(viewer.accessToken);
  const refused = await vs.timeout(5000).emitWithAck("exec:run", { command: "id" });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, "forbidden");
  vs.close();
});

test("an exec:run whose socket disconnects is ended with its whole process group", async () => {
  const { socket } = await connect(owner.user.accessToken);
  assert.equal((await owner.api.post(`/api/v1/projects/${id}/start`)).json.state, "ready");
  const marker = `berth-orphan-${Date.now()}`;
  // A foreground sleep and a background one, both in the command's group.
  socket.emit("exec:run", { command: `sleep 300 & sleep 301; echo ${marker}`, timeoutMs: 600000 }, () => {});
  const running = async () => (await owner.api.post(`/api/v1/projects/${id}/exec`, { command: "ps" })).json.stdout;
  for (let i = 0; i < 100 && !/sleep 301/.test(await running()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(await running(), /sleep 301/);
  socket.close();
  let left = await running();
  for (let i = 0; i < 100 && /sleep 30[01]/.test(left); i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = await running();
  }
  assert.doesNotMatch(left, /sleep 30[01]/, left);
  await owner.api.post(`/api/v1/projects/${id}/stop`);
});
