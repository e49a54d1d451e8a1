// The sync between a project's mirror and object storage (DESIGN §1, §6):
// acknowledged writes reach storage byte for byte, a node whose mirror is
// gone opens the project from storage, nothing acknowledged is lost when
// the server is killed (-9) in a burst or storage is down for a while, and
// nothing acknowledged as deleted comes back. Storage is checked by opening
// the project again from an emptied mirror: what comes back is what storage
// holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBerth, signup, client, freshPostgresDatabase, removeDataDir, mirrorOf } from "../lib/berth.mjs";
import { startStorageServer } from "../../support/storage-server.mjs";

const KEY = "service-role-key-for-tests";
const OUTAGE_MS = Number(process.env.BERTH_TEST_OUTAGE_MS ?? 30000);

function connect(berth, user, projectId) {
  return new Promise((resolve, reject) => {
    const socket = io(berth.url, {
      auth: (cb) => cb({ token: user.accessToken, projectId }),
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    const sync = [];
    socket.on("sync:status", (s) => sync.push(s));
    socket.once("project:status", () => resolve({ socket, sync }));
    socket.once("connect_error", reject);
  });
}
const call = (socket, event, body) => socket.timeout(20000).emitWithAck(event, body);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The server's port changes with each restart: ask the current one.
async function waitSynced(n, user, projectId, limitMs = 90000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const p = (await client(n.berth.url, user.accessToken).get(`/api/v1/projects/${projectId}`)).json;
    if (p.sync && p.sync.pending === 0) return p.sync;
    if (Date.now() > deadline) throw new Error("not synced: " + JSON.stringify(p.sync));
    await sleep(100);
  }
}

// A server that can be killed and started again on the same data dir and
// database; `wipeMirror` removes everything node-local except the database,
// so the next open sees only what storage holds.
async function node(env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "berth-sync-"));
  const pg = freshPostgresDatabase();
  const fullEnv = { ...(pg ? { DATABASE_URL: pg.url } : {}), ...env };
  let berth = await startBerth({ dataDir: dir, env: fullEnv, database: false });
  return {
    get berth() {
      return berth;
    },
    async restart() {
      berth = await startBerth({ dataDir: dir, env: fullEnv, database: false });
    },
    async kill9() {
      berth.proc.kill("SIGKILL");
      await berth.exited;
    },
    async stop() {
      await berth.stop();
    },
    wipeMirror() {
      removeDataDir(join(dir, "projects"));
      rmSync(join(dir, "sync"), { recursive: true, force: true });
    },
    // What storage holds of a project: a restart on an emptied mirror opens
    // it from storage alone, and the project is read back through Socket.IO.
    async fromStorage(user, projectId) {
      await this.stop();
      this.wipeMirror();
      await this.restart();
      return contents(berth, user, projectId);
    },
    mirror: (projectId) => mirrorOf(dir, projectId),
    cleanup() {
      pg?.drop();
      removeDataDir(dir);
    },
  };
}

// Everything the project holds, read back through Socket.IO.
async function contents(berth, user, projectId) {
  const c = await connect(berth, user, projectId);
  try {
    const listed = await call(c.socket, "fs:list", { path: "", recursive: true });
    assert.equal(listed.ok, true, JSON.stringify(listed));
    const out = {};
    for (const e of listed.entries) {
      if (e.kind === "dir") out[e.path] = "<dir>";
      else {
        const r = await call(c.socket, "fs:read", { path: e.path });
        out[e.path] = Buffer.isBuffer(r.content) ? r.content.toString("base64") : r.content;
      }
    }
    return out;
  } finally {
    c.socket.close();
  }
}

test("acknowledged changes reach storage and an emptied mirror is opened from it", async () => {
  const n = await node();
  try {
    const alice = await signup(n.berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "sync" })).json;
    const c = await connect(n.berth, alice, project.id);
    const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]);
    for (const [event, body] of [
      ["fs:create", { path: "src", kind: "dir" }],
      ["fs:write", { path: "src/main.py", content: "print('hi')\n" }],
      ["fs:write", { path: "src/util.py", content: "x = 1\n" }],
      ["fs:write", { path: "logo.bin", content: binary }],
      ["fs:create", { path: "empty", kind: "dir" }],
      ["fs:write", { path: "gone.txt", content: "bye" }],
      ["fs:delete", { path: "gone.txt" }],
      ["fs:rename", { from: "src", to: "lib" }],
      ["fs:create", { path: "node_modules", kind: "dir" }],
      ["fs:write", { path: "node_modules/index.js", content: "local only" }],
    ]) {
      const r = await call(c.socket, event, body);
      assert.equal(r.ok, true, `${event} ${JSON.stringify(body)}: ${JSON.stringify(r)}`);
    }
    c.socket.close();
    const state = await waitSynced(n, alice, project.id);
    assert.deepEqual(state.failed, []);
    const after = await n.fromStorage(alice, project.id);
    assert.deepEqual(after, {
      empty: "<dir>",
      lib: "<dir>",
      "lib/main.py": "print('hi')\n",
      "lib/util.py": "x = 1\n",
      "logo.bin": binary.toString("base64"),
    });
  } catch (e) {
    console.error(n.berth.logs(), await Promise.race([n.berth.exited, sleep(100)]));
    throw e;
  } finally {
    await n.stop();
    n.cleanup();
  }
});

test("files someone else put in the mirror's place in storage, and local files storage never saw, both survive an open", async () => {
  const n = await node();
  try {
    const alice = await signup(n.berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "merge" })).json;
    const c = await connect(n.berth, alice, project.id);
    assert.equal((await call(c.socket, "fs:write", { path: "a.txt", content: "from the editor" })).ok, true);
    c.socket.close();
    await waitSynced(n, alice, project.id);
    await n.stop();
    // Written while no Berth ran (a container, a crash before the journal).
    mkdirSync(join(n.mirror(project.id), "made"), { recursive: true });
    writeFileSync(join(n.mirror(project.id), "made", "here.txt"), "while Berth was down");
    await n.restart();
    const seen = await contents(n.berth, alice, project.id);
    assert.equal(seen["a.txt"], "from the editor");
    assert.equal(seen["made/here.txt"], "while Berth was down");
    await waitSynced(n, alice, project.id);
    const fromStorage = await n.fromStorage(alice, project.id);
    assert.equal(fromStorage["made/here.txt"], "while Berth was down", "the unsynced local file was uploaded at open");
  } catch (e) {
    console.error(n.berth.logs(), await Promise.race([n.berth.exited, sleep(100)]));
    throw e;
  } finally {
    await n.stop();
    n.cleanup();
  }
});

test("kill -9 in a burst of acknowledged writes, renames and deletes loses nothing and resurrects nothing", async () => {
  const n = await node();
  try {
    const alice = await signup(n.berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "burst" })).json;
    const c = await connect(n.berth, alice, project.id);
    // What the client was told: path → content, or null for deleted. A
    // request the kill cut off may or may not have happened: `inflight`
    // holds what its paths would be if it did.
    const acked = new Map();
    const inflight = new Map();
    const request = async (event, body, outcome) => {
      for (const [path, value] of outcome) inflight.set(path, value);
      const r = await call(c.socket, event, body);
      if (r.ok) for (const [path, value] of outcome) acked.set(path, value), inflight.delete(path);
      return r;
    };
    let killed = false;
    const worker = async (w) => {
      for (let i = 0; !killed; i++) {
        const path = `w${w}/f${i}.txt`;
        const content = `worker ${w} file ${i} `.repeat(1 + (i % 50));
        try {
          await request("fs:write", { path, content }, [[path, content]]);
          if (i % 5 === 4) {
            const gone = `w${w}/f${i - 2}.txt`;
            await request("fs:delete", { path: gone }, [[gone, null]]);
          }
          if (i % 7 === 6) {
            const from = `w${w}/f${i - 1}.txt`, to = `w${w}/r${i - 1}.txt`;
            await request("fs:rename", { from, to }, [[from, null], [to, acked.get(from)]]);
          }
        } catch {
          return; // the server is gone: this request was never acknowledged
        }
      }
    };
    for (const w of [0, 1, 2, 3]) assert.equal((await call(c.socket, "fs:create", { path: `w${w}`, kind: "dir" })).ok, true);
    const workers = [0, 1, 2, 3].map(worker);
    for (let i = 0; acked.size < 150; i++) {
      assert.ok(i < 6000, `only ${acked.size} changes acknowledged in 30 s`);
      await sleep(5);
    }
    await n.kill9();
    killed = true;
    await Promise.all(workers);
    c.socket.close();
    await n.restart(); // resumes the journal
    await waitSynced(n, alice, project.id);
    const stored = await n.fromStorage(alice, project.id);
    let checked = 0;
    for (const [path, content] of acked) {
      const cut = inflight.has(path) ? inflight.get(path) ?? undefined : content ?? undefined;
      if (stored[path] === cut && cut !== (content ?? undefined)) continue;  // the cut-off request happened
      if (content === null) assert.equal(stored[path], undefined, `${path} was acknowledged as deleted`);
      else assert.equal(stored[path], content, `${path} was acknowledged`), checked++;
    }
    assert.ok(checked > 50, `only ${checked} files checked`);
  } catch (e) {
    console.error(n.berth.logs(), await Promise.race([n.berth.exited, sleep(100)]));
    throw e;
  } finally {
    await n.stop();
    n.cleanup();
  }
});

test(`a storage outage (${OUTAGE_MS} ms) delays uploads but loses none; a name storage cannot hold is parked and shown`, async () => {
  const storage = await startStorageServer({ serviceKey: KEY });
  const n = await node({ SUPABASE_URL: storage.url, SUPABASE_KEY: KEY, BERTH_BUCKET: "sync-bucket" });
  try {
    const alice = await signup(n.berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "outage" })).json;
    const c = await connect(n.berth, alice, project.id);
    assert.equal((await call(c.socket, "fs:write", { path: "before.txt", content: "before" })).ok, true);
    await waitSynced(n, alice, project.id);
    await fetch(`${storage.url}/__control/outage`, { method: "POST", body: JSON.stringify({ ms: OUTAGE_MS }) });
    await sleep(200);
    assert.equal((await call(c.socket, "fs:create", { path: "during", kind: "dir" })).ok, true);
    const written = {};
    for (let i = 0; i < 20; i++) {
      const r = await call(c.socket, "fs:write", { path: `during/${i}.txt`, content: `written during the outage ${i}` });
      assert.equal(r.ok, true, "a write is acknowledged once on local disk, storage or not: " + JSON.stringify(r));
      written[`during/${i}.txt`] = `written during the outage ${i}`;
    }
    const mid = (await alice.api.get(`/api/v1/projects/${project.id}`)).json;
    assert.ok(mid.sync.pending > 0, "the outage shows as pending changes: " + JSON.stringify(mid.sync));
    c.socket.close();
    await waitSynced(n, alice, project.id, OUTAGE_MS + 90000);
    for (const [path, content] of Object.entries(written)) {
      const r = await fetch(`${storage.url}/storage/v1/object/sync-bucket/${alice.user.id}/${project.id}/${path}`, {
        headers: { authorization: `Bearer ${KEY}`, apikey: KEY },
      });
      assert.equal(r.status, 200, path);
      assert.equal(await r.text(), content, path);
    }
    // A name made where Berth did not check it (inside the container, or
    // before a restart): over the storage's key limit, it is parked.
    await n.stop();
    const long = Array.from({ length: 5 }, (_, i) => `${i}`.repeat(250)).join("/");
    mkdirSync(join(n.mirror(project.id), long.slice(0, long.lastIndexOf("/"))), { recursive: true });
    writeFileSync(join(n.mirror(project.id), long), "too long a name");
    await n.restart();
    const d = await connect(n.berth, alice, project.id);
    try {
      assert.equal((await call(d.socket, "fs:stat", { path: "before.txt" })).ok, true);
      const state = await waitSynced(n, alice, project.id);
      assert.deepEqual(state.failed.map((f) => [f.path, f.code]), [[long, "invalid_path"]]);
      const tooLong = await call(d.socket, "fs:write", { path: long + "x", content: "no" });
      assert.equal(tooLong.error.code, "invalid_path", "the editor is refused at once, not parked");
    } finally {
      d.socket.close();
    }
  } catch (e) {
    console.error(n.berth.logs(), await Promise.race([n.berth.exited, sleep(100)]));
    throw e;
  } finally {
    await n.stop();
    n.cleanup();
    await storage.stop();
  }
});

test("a deletion cut short by a storage outage and a crash finishes at the next start, and nothing comes back", async () => {
  const storage = await startStorageServer({ serviceKey: KEY });
  const n = await node({ SUPABASE_URL: storage.url, SUPABASE_KEY: KEY, BERTH_BUCKET: "delete-bucket", BERTH_LOG_LEVEL: "info" });
  const object = (user, projectId, path) =>
    fetch(`${storage.url}/storage/v1/object/delete-bucket/${user.user.id}/${projectId}/${path}`, {
      headers: { authorization: `Bearer ${KEY}`, apikey: KEY },
    });
  try {
    const alice = await signup(n.berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "doomed" })).json;
    const c = await connect(n.berth, alice, project.id);
    for (const path of ["a.txt", "b.txt"]) assert.equal((await call(c.socket, "fs:write", { path, content: path })).ok, true);
    await waitSynced(n, alice, project.id);
    c.socket.close();
    assert.equal((await object(alice, project.id, "a.txt")).status, 200);

    await fetch(`${storage.url}/__control/outage`, { method: "POST", body: JSON.stringify({ ms: 4000 }) });
    const outageOver = Date.now() + 4000;
    const del = await client(n.berth.url, alice.accessToken).del(`/api/v1/projects/${project.id}`);
    assert.equal(del.status, 202, del.text);
    assert.equal(del.json.deleting, true);
    assert.match(del.json.message, /storage/);
    // Gone for every read at once, although its objects are still there.
    assert.equal((await client(n.berth.url, alice.accessToken).get(`/api/v1/projects/${project.id}`)).status, 404);
    const listed = (await client(n.berth.url, alice.accessToken).get("/api/v1/projects")).json;
    assert.ok(!listed.projects.some((p) => p.id === project.id), "not listed");

    await n.kill9();  // the crash, before any retry
    await sleep(Math.max(0, outageOver - Date.now()) + 500);
    await n.restart();
    await n.berth.logged(new RegExp(`project ${project.id}: its deletion is finished`), 30000);
    // Supabase Storage answers a missing object with HTTP 400 and the real status in the body.
    for (const path of ["a.txt", "b.txt"]) {
      const r = await object(alice, project.id, path);
      assert.equal((await r.json()).statusCode, "404", path);
    }
    assert.equal(existsSync(n.mirror(project.id)), false, "its files on this node are gone too");
    assert.equal((await client(n.berth.url, alice.accessToken).get(`/api/v1/projects/${project.id}`)).status, 404);
    const again = await connect(n.berth, alice, project.id).catch((e) => e);
    assert.ok(again instanceof Error, "a socket cannot open the deleted project");
  } catch (e) {
    console.error(n.berth.logs());
    throw e;
  } finally {
    await n.stop();
    n.cleanup();
    await storage.stop();
  }
});
