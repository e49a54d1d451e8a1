// Berth's own access tokens are worthless at Supabase even when JWT_SECRET is
// the Supabase project's: they are signed with a key derived from it (or
// BERTH_TOKEN_SECRET) and say iss/aud "berth"; a token saying iss "berth"
// verifies with that key only. Supabase's tokens keep their rules.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBerth, client, signup, JWT_SECRET, BERTH_BIN } from "../lib/berth.mjs";
import { signHs256, supabaseUserToken } from "../lib/jwt.mjs";

const DERIVED_KEY = createHmac("sha256", JWT_SECRET).update("berth access token v1").digest();
const payload = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url"));
// True when `token` is a valid HS256 signature under `key`: what Supabase checks with its JWT secret.
const signedWith = (token, key) => {
  const [h, p, s] = token.split(".");
  return createHmac("sha256", key).update(`${h}.${p}`).digest("base64url") === s;
};
const now = () => Math.floor(Date.now() / 1000);

let berth;
before(async () => {
  berth = await startBerth();
});
after(() => berth.stop());

test("Berth's access tokens are not valid HS256 under JWT_SECRET, and say iss and aud berth", async () => {
  const s = await signup(berth.url, "sep");
  const refreshed = await client(berth.url).post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
  assert.equal(refreshed.status, 200);
  const cli = execFileSync(BERTH_BIN, ["token", "--user", randomUUID()], {
    env: { PATH: process.env.PATH, JWT_SECRET, BERTH_DATA_DIR: berth.dir, BERTH_LOG_LEVEL: "error" },
  }).toString().trim();
  for (const token of [s.accessToken, refreshed.json.accessToken, cli]) {
    assert.equal(signedWith(token, JWT_SECRET), false, "Supabase would accept this token");
    assert.equal(signedWith(token, DERIVED_KEY), true);
    const claims = payload(token);
    assert.equal(claims.iss, "berth");
    assert.equal(claims.aud, "berth");
    assert.equal(claims.role, undefined);
    assert.equal((await client(berth.url, token).get("/api/v1/auth/me")).status, 200);
  }
});

test("a token signed with JWT_SECRET that says iss berth is refused", async () => {
  const s = await signup(berth.url, "forged");
  for (const aud of ["authenticated", "berth"]) {
    const forged = signHs256(
      { sub: s.user.id, email: s.email, role: "authenticated", aud, iss: "berth", iat: now(), exp: now() + 600 },
      JWT_SECRET,
    );
    const r = await client(berth.url, forged).get("/api/v1/auth/me");
    assert.equal(r.status, 401, aud);
    assert.equal(r.json.error.code, "unauthorized");
  }
});

test("under Berth's key a token must say iss and aud berth", async () => {
  const s = await signup(berth.url, "rules");
  const base = { sub: s.user.id, iat: now(), exp: now() + 600 };
  for (const claims of [
    { ...base, iss: "berth", aud: "authenticated" },
    { ...base, iss: "berth" },
    { ...base, role: "authenticated", aud: "authenticated" }, // Supabase-shaped, wrong key for it
    { ...base, iss: "supabase", aud: "berth" },
  ]) {
    const r = await client(berth.url, signHs256(claims, DERIVED_KEY)).get("/api/v1/auth/me");
    assert.equal(r.status, 401, JSON.stringify(claims));
  }
  const ok = await client(berth.url, signHs256({ ...base, iss: "berth", aud: "berth" }, DERIVED_KEY)).get("/api/v1/auth/me");
  assert.equal(ok.status, 200);
});

test("Supabase user tokens under JWT_SECRET still work", async () => {
  const sub = randomUUID();
  const me = await client(berth.url, supabaseUserToken(JWT_SECRET, sub, "still@example.test")).get("/api/v1/auth/me");
  assert.equal(me.status, 200);
  assert.equal(me.json.user.id, sub);
});

test("BERTH_TOKEN_SECRET equal to JWT_SECRET, or too short, stops start-up naming it", () => {
  for (const [value, message] of [
    [JWT_SECRET, /BERTH_TOKEN_SECRET must differ from JWT_SECRET/],
    ["short", /BERTH_TOKEN_SECRET is too short/],
  ]) {
    const dir = mkdtempSync(join(tmpdir(), "berth-token-secret-"));
    try {
      const r = spawnSync(BERTH_BIN, ["serve"], {
        env: { PATH: process.env.PATH, BERTH_DATA_DIR: dir, BERTH_HOST: "127.0.0.1", PORT: "0", JWT_SECRET, BERTH_TOKEN_SECRET: value },
        cwd: dir,
        timeout: 20000,
      });
      assert.equal(r.status, 2);
      assert.match(r.stderr.toString(), message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
