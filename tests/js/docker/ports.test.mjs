// Ports that programs in a project's container listen on (previews, port
// detection): busybox httpd inside the container, whose network stays
// `none`, shows up as port:opened to the project's sockets and in GET
// …/ports, and as port:closed when it stops; a port open on the host's
// loopback only is never reported.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { io } from "socket.io-client";
import { startRuntimeBerth, userWithProject, removeContainers, inspect, until } from "./helpers.mjs";

let berth, owner, id, hostOnly;
before(async () => {
  berth = await startRuntimeBerth();
  owner = await userWithProject(berth, "ports");
  id = owner.id;
  // A listener on the host's loopback: not in the container's namespace.
  hostOnly = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => hostOnly.once("listening", r));
});
after(async () => {
  hostOnly?.close();
  await berth?.stop();
  removeContainers([id]);
});

test("a server started in the container is port:opened with its preview URL, then port:closed", async () => {
  const socket = io(berth.url, { auth: (cb) => cb({ token: owner.user.accessToken, projectId: id }), transports: ["websocket"], reconnection: false, forceNew: true });
  const seen = [];
  socket.on("port:opened", (p) => seen.push(["opened", p]));
  socket.on("port:closed", (p) => seen.push(["closed", p]));
  try {
    await new Promise((resolve, reject) => (socket.once("project:status", resolve), socket.once("connect_error", reject)));
    const exec = async (command) => {
      const r = await owner.api.post(`/api/v1/projects/${id}/exec`, { command });
      if (r.json.exitCode !== 0) console.log(command, JSON.stringify(r.json));
      return r;
    };
    assert.equal((await exec("httpd -p 8080 -h /tmp")).json.exitCode, 0);  // it detaches
    await until("port:opened", () => seen.find(([what, p]) => what === "opened" && p.port === 8080));
    const [, opened] = seen.find(([what, p]) => what === "opened" && p.port === 8080);
    assert.equal(opened.url, `http://8080-${id}.localhost:${berth.port}/`);
    const listed = await owner.api.get(`/api/v1/projects/${id}/ports`);
    assert.deepEqual(listed.json.ports.map((p) => p.port), [8080]);
    assert.ok(!seen.some(([, p]) => p.port === hostOnly.address().port), "the host's own ports are not the container's");
    assert.equal(inspect(`berth-${id}`).HostConfig.NetworkMode, "none");

    assert.equal((await exec("killall httpd")).json.exitCode, 0);
    await until("port:closed", () => seen.find(([what, p]) => what === "closed" && p.port === 8080));
    assert.deepEqual((await owner.api.get(`/api/v1/projects/${id}/ports`)).json.ports, []);

    // A stop closes whatever was still open.
    assert.equal((await exec("httpd -p 9090 -h /tmp")).json.exitCode, 0);
    await until("port 9090", () => seen.find(([what, p]) => what === "opened" && p.port === 9090));
    await owner.api.post(`/api/v1/projects/${id}/stop`);
    await until("port 9090 closed", () => seen.find(([what, p]) => what === "closed" && p.port === 9090));
  } finally {
    socket.close();
  }
});

test("a stranger cannot list a project's ports", async () => {
  const stranger = await userWithProject(berth, "stranger");
  assert.equal((await stranger.api.get(`/api/v1/projects/${id}/ports`)).status, 404);
});
