// Built-in accounts and tokens against a real `berth serve`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { startBerth, client, signup, JWT_SECRET, BERTH_BIN } from "../lib/berth.mjs";
import { signHs256, supabaseUserToken } from "../lib/jwt.mjs";

let berth, anon;
before(async () => {
  berth = await startBerth();
  anon = client(berth.url);
});
after(() => berth.stop());

test("signup returns the user and a working token pair", async () => {
  const s = await signup(berth.url, "alice");
  assert.equal(s.user.email, s.email);
  assert.equal(s.user.name, "alice");
  assert.ok(s.accessToken.split(".").length === 3);
  assert.ok(s.refreshToken.length >= 32);
  assert.equal(s.expiresIn, 900);
  const me = await s.api.get("/api/v1/auth/me");
  assert.equal(me.status, 200);
  assert.deepEqual(me.json.user, s.user);
});

test("signup refuses a taken email (any case), a bad email and a short password", async () => {
  const s = await signup(berth.url, "bob");
  const again = await anon.post("/api/v1/auth/signup", { email: s.email.toUpperCase(), password: "another password" });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, "conflict");
  const badEmail = await anon.post("/api/v1/auth/signup", { email: "not-an-email", password: "long enough pw" });
  assert.equal(badEmail.status, 400);
  assert.match(badEmail.json.error.message, /email/);
  const short = await anon.post("/api/v1/auth/signup", { email: "short@example.test", password: "1234" });
  assert.equal(short.status, 400);
  assert.match(short.json.error.message, /password/);
});

test("login works, and a wrong password or unknown email gets the same 401", async () => {
  const s = await signup(berth.url, "carol");
  const ok = await anon.post("/api/v1/auth/login", { email: s.email, password: "correct horse battery" });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.user.id, s.user.id);
  const wrong = await anon.post("/api/v1/auth/login", { email: s.email, password: "wrong password" });
  const unknown = await anon.post("/api/v1/auth/login", { email: "nobody@example.test", password: "wrong password" });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.equal(wrong.json.error.message, unknown.json.error.message);
});

test("refresh tokens rotate: each works once, logout revokes", async () => {
  const s = await signup(berth.url, "dave");
  const r1 = await anon.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
  assert.equal(r1.status, 200);
  assert.notEqual(r1.json.refreshToken, s.refreshToken);
  const reuse = await anon.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
  assert.equal(reuse.status, 401);
  const out = await anon.post("/api/v1/auth/logout", { refreshToken: r1.json.refreshToken });
  assert.equal(out.status, 204);
  const afterLogout = await anon.post("/api/v1/auth/refresh", { refreshToken: r1.json.refreshToken });
  assert.equal(afterLogout.status, 401);
});

test("protected routes need a valid bearer token", async () => {
  for (const headers of [{}, { authorization: "Basic abc" }, { authorization: "Bearer nonsense" }]) {
    const r = await anon.get("/api/v1/projects", headers);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, "unauthorized");
  }
  const now = Math.floor(Date.now() / 1000);
  const expired = signHs256({ sub: randomUUID(), role: "authenticated", aud: "authenticated", exp: now - 120 }, JWT_SECRET);
  const r = await client(berth.url, expired).get("/api/v1/projects");
  assert.equal(r.status, 401);
  assert.match(r.json.error.message, /expired/);
  const none = Buffer.from('{"alg":"none"}').toString("base64url") + "." +
    Buffer.from(JSON.stringify({ sub: "x", role: "authenticated", aud: "authenticated", exp: now + 60 })).toString("base64url") + ".";
  assert.equal((await client(berth.url, none).get("/api/v1/projects")).status, 401);
});

test("a Supabase user token works and creates the user on first sight", async () => {
  const sub = randomUUID();
  const api = client(berth.url, supabaseUserToken(JWT_SECRET, sub, "supa@example.test"));
  const me = await api.get("/api/v1/auth/me");
  assert.equal(me.status, 200);
  assert.equal(me.json.user.id, sub);
  assert.equal(me.json.user.email, "supa@example.test");
  const created = await api.post("/api/v1/projects", { name: "from supabase" });
  assert.equal(created.status, 201);
  assert.equal(created.json.ownerId, sub);
});

test("Supabase anon and service-role keys never log anyone in", async () => {
  const now = Math.floor(Date.now() / 1000);
  for (const role of ["anon", "service_role"]) {
    // With a sub, so that it is the role check (not a missing sub) that refuses them.
    const key = signHs256({ iss: "supabase", ref: "abc", sub: randomUUID(), role, iat: now, exp: now + 3600 }, JWT_SECRET);
    const r = await client(berth.url, key).get("/api/v1/projects");
    assert.equal(r.status, 401, role);
  }
});

test("`berth token --user` mints a token the server accepts", async () => {
  const sub = randomUUID();
  const token = execFileSync(BERTH_BIN, ["token", "--user", sub, "--email", "cli@example.test"], {
    env: { PATH: process.env.PATH, JWT_SECRET, BERTH_DATA_DIR: berth.dir, BERTH_LOG_LEVEL: "error" },
  }).toString().trim();
  const me = await client(berth.url, token).get("/api/v1/auth/me");
  assert.equal(me.status, 200);
  assert.equal(me.json.user.id, sub);
});
