// Bounds on running projects (per owner and per node) and on commands
// running at once in one project, against the real engine.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startRuntimeBerth, userWithProject, removeContainers } from "./helpers.mjs";

const created = [];
after(() => removeContainers(created));

test("running projects per owner and per node are bounded", async () => {
  const berth = await startRuntimeBerth({ BERTH_MAX_RUNNING_PER_USER: "1", BERTH_MAX_RUNNING: "2" });
  try {
    const a = await userWithProject(berth, "a");
    const second = (await a.api.post("/api/v1/projects", { name: "second" })).json.id;
    created.push(a.id, second);
    const first = await a.api.post(`/api/v1/projects/${a.id}/start`);
    assert.equal(first.json.state, "ready", first.text);
    const refused = await a.api.post(`/api/v1/projects/${second}/start`);
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.error.code, "limit_reached");
    assert.match(refused.json.error.message, /BERTH_MAX_RUNNING_PER_USER/);
    assert.equal((await a.api.get(`/api/v1/projects/${second}`)).json.status, "stopped", "a refusal is not an error state");
    // A start of the one already running is fine; stopping it makes room.
    assert.equal((await a.api.post(`/api/v1/projects/${a.id}/start`)).json.state, "ready");
    await a.api.post(`/api/v1/projects/${a.id}/stop`);
    assert.equal((await a.api.post(`/api/v1/projects/${second}/start`)).json.state, "ready");
    // The node's bound counts every owner.
    const b = await userWithProject(berth, "b");
    const c = await userWithProject(berth, "c");
    created.push(b.id, c.id);
    assert.equal((await b.api.post(`/api/v1/projects/${b.id}/start`)).json.state, "ready");
    const full = await c.api.post(`/api/v1/projects/${c.id}/start`);
    assert.equal(full.status, 429);
    assert.match(full.json.error.message, /BERTH_MAX_RUNNING\b/);
  } finally {
    await berth.stop();
  }
});

test("commands running at once in one project are bounded", async () => {
  const berth = await startRuntimeBerth({ BERTH_MAX_EXECS_PER_PROJECT: "2" });
  try {
    const { api, id } = await userWithProject(berth);
    created.push(id);
    assert.equal((await api.post(`/api/v1/projects/${id}/start`)).json.state, "ready");
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => api.post(`/api/v1/projects/${id}/exec`, { command: "sleep 2; echo done" })),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 200, 429], JSON.stringify(answers.map((a) => a.json)));
    const refused = answers.find((a) => a.status === 429);
    assert.equal(refused.json.error.code, "limit_reached");
    assert.match(refused.json.error.message, /BERTH_MAX_EXECS_PER_PROJECT/);
    assert.equal((await api.post(`/api/v1/projects/${id}/exec`, { command: "echo after" })).json.stdout, "after\n");
  } finally {
    await berth.stop();
  }
});
