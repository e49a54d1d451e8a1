// BERTH_MIRROR_BUDGET (DESIGN §6): a node keeps the disks of projects it
// closed, up to a budget; past it, the least recently used closed mirror
// whose changes are all in storage goes, and its next open downloads it
// again. Two projects of 32 MiB disks against a 48 MiB budget: after a
// restart (both closed), the older one is evicted and comes back whole.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBerth, signup, client, removeDataDir } from "../lib/berth.mjs";

const dir = mkdtempSync(join(tmpdir(), "berth-budget-"));
const env = { BERTH_PROJECT_QUOTA: "32m", BERTH_MIRROR_BUDGET: "48m" };
let berth;
after(async () => {
  await berth?.stop();
  removeDataDir(dir);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("past the budget the least recently used closed mirror is evicted, and reopens from storage", async () => {
  berth = await startBerth({ dataDir: dir, database: false, env });
  const alice = await signup(berth.url, "alice");
  const made = [];
  for (const name of ["older", "newer"]) {
    const p = (await alice.api.post("/api/v1/projects", { name })).json;
    const put = await fetch(`${berth.url}/api/v1/projects/${p.id}/files/content?path=notes.txt`, {
      method: "PUT", headers: { Authorization: `Bearer ${alice.accessToken}` }, body: `kept in ${name}`,
    });
    assert.equal(put.status, 200, await put.clone().text());
    made.push(p);
    await sleep(1100);  // last uses a second apart
  }
  for (const p of made)
    for (let i = 0; i < 100 && (await alice.api.get(`/api/v1/projects/${p.id}`)).json.sync?.pending !== 0; i++) await sleep(100);
  assert.ok(made.every((p) => existsSync(join(dir, "projects", p.id))), "open projects are never evicted");
  await berth.stop();

  berth = await startBerth({ dataDir: dir, database: false, env });
  const [older, newer] = made;
  // At start-up, once the containers of the last run are adopted.
  for (let i = 0; i < 150 && existsSync(join(dir, "projects", older.id)); i++) await sleep(100);
  assert.equal(existsSync(join(dir, "projects", older.id)), false, "the older one went");
  assert.equal(existsSync(join(dir, "projects", newer.id)), true, "within the budget: the newer one stays");
  const api = client(berth.url, alice.accessToken);
  assert.equal((await api.get(`/api/v1/projects/${older.id}/files?path=`)).status, 200);
  const back = await fetch(`${berth.url}/api/v1/projects/${older.id}/files/content?path=notes.txt`, {
    headers: { Authorization: `Bearer ${alice.accessToken}` },
  });
  assert.equal(await back.text(), "kept in older", "downloaded again from storage");
});
