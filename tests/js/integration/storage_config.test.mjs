// `berth serve` with Supabase Storage (the stand-in of tests/support, which
// behaves as the real server does): the bucket is made private at start-up,
// /readyz and the start-up line say which storage is in use, and each
// misconfiguration stops the server with one line that says what to fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBerth, client, freePort, BERTH_BIN, JWT_SECRET } from "../lib/berth.mjs";
import { startStorageServer } from "../../support/storage-server.mjs";

const KEY = "service-role-key-for-tests";
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const ANON_JWT = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ role: "anon", iss: "supabase" })}.c2lnbmF0dXJl`;

// Runs `berth serve` expecting it to refuse to start; returns its exit code and output.
async function serveFails(env) {
  const dir = mkdtempSync(join(tmpdir(), "berth-cfg-"));
  try {
    const proc = spawn(BERTH_BIN, ["serve"], {
      env: { PATH: process.env.PATH, PORT: String(await freePort()), BERTH_HOST: "127.0.0.1", BERTH_DATA_DIR: dir, JWT_SECRET, ...env },
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60000);
    const code = await new Promise((r) => {
      proc.on("exit", (c) => r(c));
      proc.on("error", (e) => r(`spawn failed: ${e.message}`));
    });
    clearTimeout(timer);
    return { code, out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("with SUPABASE_URL the bucket is created private and readyz checks storage", async () => {
  const storage = await startStorageServer({ serviceKey: KEY });
  const berth = await startBerth({
    env: { SUPABASE_URL: storage.url, SUPABASE_KEY: KEY, BERTH_BUCKET: "it-bucket", BERTH_LOG_LEVEL: "info" },
  });
  try {
    const ready = await client(berth.url).get("/readyz");
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.json.checks.storage, "ok");
    const described = /Supabase Storage at http:\/\/127\.0\.0\.1:\d+ \(bucket it-bucket\)/;
    assert.match(await berth.logged(described), described);
    const bucket = await fetch(`${storage.url}/storage/v1/bucket/it-bucket`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(bucket.status, 200);
    assert.equal((await bucket.json()).public, false);
    // Storage goes away: readyz names it, the server keeps serving.
    await storage.stop();
    const down = await client(berth.url).get("/readyz");
    assert.equal(down.status, 503);
    assert.equal(down.json.checks.storage, "unavailable");
    assert.equal((await client(berth.url).get("/healthz")).status, 200);
  } finally {
    await berth.stop();
    await storage.close();
  }
});

test("the anon key, a publishable key, a wrong key and a wrong URL each stop start-up with what to fix", async () => {
  const storage = await startStorageServer({ serviceKey: KEY });
  try {
    const cases = [
      [{ SUPABASE_KEY: ANON_JWT }, /anon key.*service_role/],
      [{ SUPABASE_KEY: "sb_publishable_0123" }, /publishable key.*secret key/],
      [{ SUPABASE_KEY: "a-key-of-another-project" }, /refused SUPABASE_KEY.*service-role/],
      [{ SUPABASE_URL: "http://127.0.0.1:9" }, /cannot connect.*SUPABASE_URL/],
      [{ SUPABASE_URL: `${storage.url}/not-supabase` }, /no such route.*SUPABASE_URL/],
    ];
    for (const [env, message] of cases) {
      const { code, out } = await serveFails({ SUPABASE_URL: storage.url, SUPABASE_KEY: KEY, ...env });
      assert.equal(code, 2, out);
      assert.match(out, message);
    }
  } finally {
    await storage.close();
  }
});
