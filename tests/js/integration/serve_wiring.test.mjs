// What `berth serve` wires up in run_serve: the log-drop counter on /metrics
// and BERTH_TOKEN_SECRET for the tokens it issues.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { startBerth, client, signup, JWT_SECRET, BERTH_BIN } from "../lib/berth.mjs";
import { supabaseUserToken } from "../lib/jwt.mjs";

const signedWith = (token, key) => {
  const [h, p, s] = token.split(".");
  return createHmac("sha256", key).update(`${h}.${p}`).digest("base64url") === s;
};

test("/metrics counts log messages dropped because the log queue was full", async () => {
  const berth = await startBerth();
  try {
    const text = (await client(berth.url).get("/metrics")).text;
    assert.match(text, /# TYPE berth_log_messages_dropped_total counter\nberth_log_messages_dropped_total \d+\n/);
  } finally {
    await berth.stop();
  }
});

test("BERTH_TOKEN_SECRET signs the access tokens serve and `berth token` issue", async () => {
  const TOKEN_SECRET = "a-berth-token-secret-for-tests-0123456789";
  const berth = await startBerth({ env: { BERTH_TOKEN_SECRET: TOKEN_SECRET } });
  try {
    const s = await signup(berth.url, "own-key");
    assert.equal(signedWith(s.accessToken, TOKEN_SECRET), true);
    assert.equal(signedWith(s.accessToken, JWT_SECRET), false);
    assert.equal((await s.api.get("/api/v1/auth/me")).status, 200);
    const cli = execFileSync(BERTH_BIN, ["token", "--user", randomUUID()], {
      env: { PATH: process.env.PATH, JWT_SECRET, BERTH_TOKEN_SECRET: TOKEN_SECRET, BERTH_DATA_DIR: berth.dir, BERTH_LOG_LEVEL: "error" },
    }).toString().trim();
    assert.equal(signedWith(cli, TOKEN_SECRET), true);
    assert.equal((await client(berth.url, cli).get("/api/v1/auth/me")).status, 200);
    // a token under the derived key is not Berth's any more
    const derived = execFileSync(BERTH_BIN, ["token", "--user", randomUUID()], {
      env: { PATH: process.env.PATH, JWT_SECRET, BERTH_DATA_DIR: berth.dir, BERTH_LOG_LEVEL: "error" },
    }).toString().trim();
    assert.equal((await client(berth.url, derived).get("/api/v1/auth/me")).status, 401);
    // Supabase's tokens are unaffected
    const supa = supabaseUserToken(JWT_SECRET, randomUUID(), "s@example.test");
    assert.equal((await client(berth.url, supa).get("/api/v1/auth/me")).status, 200);
  } finally {
    await berth.stop();
  }
});
