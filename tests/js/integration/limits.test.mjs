// Bounds on what one user or one node may take: each refusal is a stable
// code (limit_reached) whose message names the setting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
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
