// A preview of what users start most: `python3 -m http.server` in the
// Debian workspace image (not the busybox test image), run from the
// project's folder as a user would, appears as port:opened and serves the
// project's own files through its preview URL; the network stays `none`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { io } from "socket.io-client";
import { startRuntimeBerth, userWithProject, removeContainers, inspect, until } from "../docker/helpers.mjs";

let berth, owner, id;
before(async () => {
  // The workspace image needs more than the busybox limits of the other container tests.
  berth = await startRuntimeBerth({ BERTH_IMAGE: "berth-workspace:latest", BERTH_CONTAINER_MEMORY: "256m", BERTH_CONTAINER_CPUS: "1" });
  owner = await userWithProject(berth, "python preview");
  id = owner.id;
});
after(async () => {
  await berth?.stop();
  removeContainers([id]);
});

function get(host, path, headers = {}) {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port: berth.port, path, agent: false, headers: { host, ...headers } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on("error", reject).end();
  });
}

test("python3 -m http.server in the workspace image: port:opened, then the project's files through the preview URL", async () => {
  const put = await owner.api.put(`/api/v1/projects/${id}/files/content?path=site/index.html`, "<h1>made in Berth</h1>\n");
  assert.equal(put.status, 200, put.text);
  const socket = io(berth.url, { auth: (cb) => cb({ token: owner.user.accessToken, projectId: id }), transports: ["websocket"], reconnection: false, forceNew: true });
  const opened = [];
  socket.on("port:opened", (p) => opened.push(p));
  try {
    await new Promise((resolve, reject) => (socket.once("project:status", resolve), socket.once("connect_error", reject)));
    const started = await owner.api.post(`/api/v1/projects/${id}/exec`, {
      command: "cd /workspace/site && (nohup python3 -m http.server 8000 > /tmp/http.log 2>&1 &)",
    });
    assert.equal(started.json?.exitCode, 0, JSON.stringify(started.json));
    const port = await until("port:opened 8000", () => opened.find((p) => p.port === 8000), 30000);
    assert.equal(port.url, `http://8000-${id}.localhost:${berth.port}/`);
    assert.equal(port.public, false);

    const link = new URL((await owner.api.post(`/api/v1/projects/${id}/previews/8000/session`)).json.url);
    const session = await get(link.host, link.pathname + link.search);
    assert.equal(session.status, 302);
    const cookie = session.headers["set-cookie"][0].split(";")[0];
    const page = await get(link.host, "/", { cookie });
    assert.equal(page.status, 200);
    assert.equal(page.body, "<h1>made in Berth</h1>\n");
    assert.match(page.headers.server, /SimpleHTTP/, "python's own answer, passed through");
    const missing = await get(link.host, "/nope.html", { cookie });
    assert.equal(missing.status, 404, "the app's own 404, not Berth's page");
    assert.equal(missing.headers["x-berth-error"], undefined);
    assert.equal(inspect(`berth-${id}`).HostConfig.NetworkMode, "none");
  } finally {
    socket.close();
  }
});
