// BERTH_SIGNUP=closed: no new built-in accounts, while the accounts that
// exist keep logging in and Supabase's users keep getting in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startBerth, client, signup, JWT_SECRET, BERTH_BIN } from "../lib/berth.mjs";
import { supabaseUserToken } from "../lib/jwt.mjs";

test("with sign-up closed, an account made while it was open logs in; new sign-ups get 403", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-signup-"));
  // SQLite in the data dir (database: false), so the account outlives the restart.
  const open = await startBerth({ dataDir: dir, database: false, env: { BERTH_SIGNUP: "open" } });
  let alice;
  try {
    alice = await signup(open.url, "alice");
  } finally {
    await open.stop();
  }
  const closed = await startBerth({ dataDir: dir, database: false, env: { BERTH_SIGNUP: "closed" } });
  try {
    const anon = client(closed.url);
    const login = await anon.post("/api/v1/auth/login", { email: alice.email, password: "correct horse battery" });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.json.user.id, alice.user.id);
    const me = await client(closed.url, login.json.accessToken).get("/api/v1/auth/me");
    assert.equal(me.status, 200);
    assert.equal(me.json.user.email, alice.email);
    const refreshed = await anon.post("/api/v1/auth/refresh", { refreshToken: login.json.refreshToken });
    assert.equal(refreshed.status, 200);

    for (const email of [`new-${randomUUID()}@example.test`, alice.email]) {
      const refused = await anon.post("/api/v1/auth/signup", { email, password: "correct horse battery" });
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.json.error.code, "forbidden");
      assert.match(refused.json.error.message, /sign-up is closed on this server/);
      assert.match(refused.json.error.message, /ask an administrator/);
    }
    // nothing was created: the new email cannot log in
    const ghost = await anon.post("/api/v1/auth/login", { email: "ghost@example.test", password: "correct horse battery" });
    assert.equal(ghost.status, 401);

    // Supabase-issued tokens are not sign-ups: they still work
    const sub = randomUUID();
    const supa = client(closed.url, supabaseUserToken(JWT_SECRET, sub, "supa@example.test"));
    const supaMe = await supa.get("/api/v1/auth/me");
    assert.equal(supaMe.status, 200, supaMe.text);
    assert.equal(supaMe.json.user.id, sub);
    assert.equal((await supa.post("/api/v1/projects", { name: "closed but welcome" })).status, 201);
  } finally {
    await closed.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sign-up is open by default", async () => {
  const berth = await startBerth({ database: false });
  try {
    await signup(berth.url, "default-open"); // throws unless 201
  } finally {
    await berth.stop();
  }
});

test("BERTH_SIGNUP other than open or closed stops start-up with one line naming it", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-signup-bad-"));
  try {
    const r = spawnSync(BERTH_BIN, ["serve"], {
      env: { PATH: process.env.PATH, BERTH_DATA_DIR: dir, BERTH_HOST: "127.0.0.1", PORT: "0", BERTH_SIGNUP: "invite-only" },
      cwd: dir,
      timeout: 20000,
    });
    assert.equal(r.status, 2);
    const err = r.stderr.toString().trim();
    assert.equal(err.split("\n").length, 1, err);
    assert.equal(err, "berth: BERTH_SIGNUP='invite-only' is not valid: expected open or closed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
