// Project containers over REST against a real Docker Engine: start, stop,
// idempotence, one container for concurrent starts, the security defaults
// of DESIGN §8, states in the database, the idle reaper, adoption after a
// restart, and the errors for a missing image or a missing engine.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { client, startBerth, removeDataDir, mirrorOf } from "../lib/berth.mjs";
import { startRuntimeBerth, userWithProject, inspect, containersOf, removeContainers, docker, until, sleep, LIMITS, TEST_IMAGE } from "./helpers.mjs";

const created = [];
after(() => removeContainers(created));

test("start creates one hardened container; start again reuses it; stop removes it", async () => {
  const berth = await startRuntimeBerth();
  try {
    const { api, id } = await userWithProject(berth);
    created.push(id);
    const started = await api.post(`/api/v1/projects/${id}/start`);
    assert.equal(started.status, 200, started.text);
    assert.equal(started.json.state, "ready");
    assert.equal((await api.get(`/api/v1/projects/${id}`)).json.status, "ready");

    const c = inspect(`berth-${id}`);
    assert.ok(c, "container berth-<id> exists");
    assert.equal(c.State.Running, true);
    assert.equal(c.Config.Labels["io.berth.managed"], "true");
    assert.equal(c.Config.Labels["io.berth.project"], id);
    assert.equal(c.Config.Image, TEST_IMAGE);
    assert.equal(c.Config.User, "1000:1000");
    assert.equal(c.Config.WorkingDir, "/workspace");
    assert.equal(c.HostConfig.Init, true);
    assert.deepEqual(c.HostConfig.CapDrop, ["ALL"]);
    assert.deepEqual(c.HostConfig.SecurityOpt, ["no-new-privileges"]);
    assert.equal(c.HostConfig.Memory, LIMITS.memory);
    assert.equal(c.HostConfig.MemorySwap, LIMITS.memory);
    assert.equal(c.HostConfig.NanoCpus, LIMITS.cpus * 1e9);
    assert.equal(c.HostConfig.PidsLimit, LIMITS.pids);
    assert.equal(c.HostConfig.NetworkMode, "none");
    const mirror = mirrorOf(berth.dir, id);
    assert.deepEqual(c.HostConfig.Binds, [`${mirror}:/workspace`]);
    assert.equal(statSync(mirror).uid, 1000);

    const again = await api.post(`/api/v1/projects/${id}/start`);
    assert.equal(again.json.state, "ready");
    assert.equal(inspect(`berth-${id}`).Id, c.Id, "the healthy container is reused");

    // A container that died is restarted, not duplicated.
    docker("kill", `berth-${id}`);
    const revived = await api.post(`/api/v1/projects/${id}/start`);
    assert.equal(revived.json.state, "ready");
    assert.equal(inspect(`berth-${id}`).State.Running, true);
    assert.equal(containersOf(id).length, 1);

    const stopped = await api.post(`/api/v1/projects/${id}/stop`);
    assert.equal(stopped.status, 200, stopped.text);
    assert.equal(stopped.json.state, "stopped");
    assert.equal(inspect(`berth-${id}`), null, "stop removes the container");
    assert.equal((await api.get(`/api/v1/projects/${id}`)).json.status, "stopped");
    assert.equal((await api.post(`/api/v1/projects/${id}/stop`)).json.state, "stopped", "stop is idempotent");
  } finally {
    await berth.stop();
  }
});

test("concurrent starts of one project create one container", async () => {
  const berth = await startRuntimeBerth();
  try {
    const { api, id } = await userWithProject(berth);
    created.push(id);
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.post(`/api/v1/projects/${id}/start`)));
    for (const a of answers) assert.equal(a.json?.state, "ready", a.text);
    assert.equal(containersOf(id).length, 1);
  } finally {
    await berth.stop();
  }
});

test("viewers may not start, stop or exec; strangers get 404", async () => {
  const berth = await startRuntimeBerth();
  try {
    const { api, id } = await userWithProject(berth);
    const { user: viewer } = await userWithProject(berth);
    const put = await api.put(`/api/v1/projects/${id}/members/${viewer.user.id}`, { role: "viewer" });
    assert.ok(put.status === 200 || put.status === 201, put.text);
    assert.equal((await viewer.api.post(`/api/v1/projects/${id}/start`)).status, 403);
    assert.equal((await viewer.api.post(`/api/v1/projects/${id}/exec`, { command: "true" })).status, 403);
    const { api: stranger } = await userWithProject(berth);
    assert.equal((await stranger.post(`/api/v1/projects/${id}/stop`)).status, 404);
    assert.equal((await client(berth.url).post(`/api/v1/projects/${id}/start`)).status, 401);
  } finally {
    await berth.stop();
  }
});

test("a missing image is image_not_found with the fix, and the project shows error", async () => {
  const berth = await startRuntimeBerth({ BERTH_IMAGE: "berth-missing-image:latest" });
  try {
    const { api, id } = await userWithProject(berth);
    const r = await api.post(`/api/v1/projects/${id}/start`);
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json.error.code, "image_not_found");
    assert.match(r.json.error.message, /berth image build/);
    assert.equal((await api.get(`/api/v1/projects/${id}`)).json.status, "error");
  } finally {
    await berth.stop();
  }
});

test("no engine: readyz names it (the reason only in the log), starts are runtime_unavailable, the server stays up", async () => {
  const berth = await startRuntimeBerth({ DOCKER_HOST: "unix:///tmp/berth-no-such-docker.sock" });
  try {
    const ready = await client(berth.url).get("/readyz");
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.json.checks, { database: "ok", runtime: "unavailable", storage: "ok" });
    assert.doesNotMatch(ready.text, /sock/);
    const down = /readyz: runtime is down: .*berth-no-such-docker\.sock/;
    assert.match(await berth.logged(down), down);
    const { api, id } = await userWithProject(berth);
    const r = await api.post(`/api/v1/projects/${id}/start`);
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, "runtime_unavailable");
    assert.equal((await client(berth.url).get("/healthz")).status, 200);
  } finally {
    await berth.stop();
  }
});

test("readyz checks the engine when it runs", async () => {
  const berth = await startRuntimeBerth();
  try {
    const ready = await client(berth.url).get("/readyz");
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(ready.json.checks, { database: "ok", runtime: "ok", storage: "ok" });
  } finally {
    await berth.stop();
  }
});

test("the idle reaper stops a project nobody uses", async () => {
  const berth = await startRuntimeBerth({ BERTH_IDLE_TIMEOUT: "1s" });
  try {
    const { api, id } = await userWithProject(berth);
    created.push(id);
    assert.equal((await api.post(`/api/v1/projects/${id}/start`)).json.state, "ready");
    await until("the reaper", async () => (await api.get(`/api/v1/projects/${id}`)).json.status === "stopped", 10000);
    assert.equal(inspect(`berth-${id}`), null);
    // Its runtime state is pruned too: nothing grows with every project ever opened.
    const tracked = async () => Number(/berth_projects_tracked (\d+)/.exec((await api.get("/metrics")).text)?.[1]);
    await until("the slot pruned", async () => (await tracked()) === 0, 10000);
  } finally {
    await berth.stop();
  }
});

test("a restarted Berth adopts live containers and removes those of deleted projects", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-adopt-"));
  try {
    let berth = await startRuntimeBerth({}, { dataDir: dir });
    const { api, id: kept, user } = await userWithProject(berth, "kept");
    const gone = (await api.post("/api/v1/projects", { name: "gone" })).json.id;
    created.push(kept, gone);
    assert.equal((await api.post(`/api/v1/projects/${kept}/start`)).json.state, "ready");
    assert.equal((await api.post(`/api/v1/projects/${gone}/start`)).json.state, "ready");
    const keptId = inspect(`berth-${kept}`).Id;
    await berth.stop(); // containers outlive the server
    assert.equal(inspect(`berth-${kept}`).State.Running, true);

    // Delete `gone` behind the server's back: a second server on the same data.
    berth = await startRuntimeBerth({}, { dataDir: dir });
    const again = client(berth.url, user.accessToken);
    const deleted = await again.del(`/api/v1/projects/${gone}`);
    await berth.stop();
    assert.equal(deleted.status, 204, deleted.text);

    berth = await startRuntimeBerth({}, { dataDir: dir });
    try {
      await until("removal of the deleted project's container", () => inspect(`berth-${gone}`) === null);
      assert.equal(inspect(`berth-${kept}`).Id, keptId, "the live container is adopted, not replaced");
      const api3 = client(berth.url, user.accessToken);
      assert.equal((await api3.get(`/api/v1/projects/${kept}`)).json.status, "ready");
      assert.equal((await api3.post(`/api/v1/projects/${kept}/start`)).json.state, "ready");
      assert.equal(inspect(`berth-${kept}`).Id, keptId);
    } finally {
      await berth.stop();
    }
  } finally {
    removeDataDir(dir);
  }
});

test("a running exec is activity: the reaper waits for a command longer than the idle timeout", async () => {
  const berth = await startRuntimeBerth({ BERTH_IDLE_TIMEOUT: "1s" });
  try {
    const { api, id } = await userWithProject(berth);
    created.push(id);
    const r = await api.post(`/api/v1/projects/${id}/exec`, { command: "sleep 3; echo finished" });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stdout, "finished\n");
    assert.equal(r.json.exitCode, 0);
    // Once the command is over, the project goes idle and is stopped.
    await until("the idle stop after the command", async () => (await api.get(`/api/v1/projects/${id}`)).json.status === "stopped", 10000);
  } finally {
    await berth.stop();
  }
});
