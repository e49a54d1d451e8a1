// Two Berth nodes on one database and one bucket (DESIGN §6): the node that
// opens a project holds it by a lease in the project's row; the other is
// refused with `conflict` while the lease is live and takes the project over,
// with its files from storage, once the first node has died and the lease
// has lapsed. Needs the test PostgreSQL (BERTH_TEST_DATABASE_URL): SQLite
// is one node's own file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBerth, signup, client, freshPostgresDatabase } from "../lib/berth.mjs";

let pg, objects, first, second;
before(async () => {
  pg = freshPostgresDatabase();
  assert.ok(pg, "BERTH_TEST_DATABASE_URL must name the test PostgreSQL (ctest's postgres fixture)");
  objects = mkdtempSync(join(tmpdir(), "berth-objects-"));
  const shared = { DATABASE_URL: pg.url, BERTH_OBJECTS_DIR: objects, BERTH_LEASE: "3s" };
  first = await startBerth({ database: false, env: { ...shared, BERTH_NODE_ID: "node-one" } });
  second = await startBerth({ database: false, env: { ...shared, BERTH_NODE_ID: "node-two" } });
});
after(async () => {
  await first?.stop();
  await second?.stop();
  pg?.drop();
  rmSync(objects, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a project open on one node is refused on the other until that node is gone and its lease lapsed", async () => {
  const alice = await signup(first.url, "alice");
  const project = (await alice.api.post("/api/v1/projects", { name: "leased" })).json;
  const onFirst = `${first.url}/api/v1/projects/${project.id}/files/content?path=hello.txt`;
  const put = await fetch(onFirst, { method: "PUT", headers: { Authorization: `Bearer ${alice.accessToken}` }, body: "from node one" });
  assert.equal(put.status, 200, await put.clone().text());

  const onSecond = client(second.url, alice.accessToken);
  const refused = await onSecond.get(`/api/v1/projects/${project.id}/files?path=`);
  assert.equal(refused.status, 409, JSON.stringify(refused.json));
  assert.equal(refused.json.error.code, "conflict");
  assert.match(refused.json.error.message, /node-one/);

  // The first node keeps its lease alive past several lease lengths.
  await sleep(4000);
  assert.equal((await onSecond.get(`/api/v1/projects/${project.id}/files?path=`)).status, 409, "renewed, not lapsed");

  // Everything acknowledged is in storage, then the first node dies.
  for (let i = 0; i < 100; i++) {
    const p = await alice.api.get(`/api/v1/projects/${project.id}`);
    if (p.json.sync?.pending === 0) break;
    await sleep(100);
  }
  first.proc.kill("SIGKILL");
  await first.exited;
  await sleep(3500);
  const taken = await onSecond.get(`/api/v1/projects/${project.id}/files?path=`);
  assert.equal(taken.status, 200, JSON.stringify(taken.json));
  assert.deepEqual(taken.json.entries.map((e) => e.path), ["hello.txt"]);
  const text = await fetch(`${second.url}/api/v1/projects/${project.id}/files/content?path=hello.txt`, {
    headers: { Authorization: `Bearer ${alice.accessToken}` },
  });
  assert.equal(await text.text(), "from node one");
});
