// Operations endpoints, start-up configuration and graceful shutdown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { startBerth, client, signup, BERTH_BIN } from "../lib/berth.mjs";

test("healthz, readyz, metrics and openapi.json answer", async () => {
  const berth = await startBerth();
  try {
    const api = client(berth.url);
    assert.deepEqual((await api.get("/healthz")).json, { status: "ok" });
    const ready = await api.get("/readyz");
    assert.equal(ready.status, 200);
    assert.equal(ready.json.checks.database, "ok");
    assert.equal(ready.json.checks.storage, "ok");
    await api.get("/api/v1/projects");
    const metrics = await api.get("/metrics");
    assert.match(metrics.headers.get("content-type"), /text\/plain/);
    assert.match(metrics.text, /berth_http_requests_total\{method="GET",route="\/api\/v1\/projects",status="401"\} 1/);
    assert.match(metrics.text, /berth_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+/);
    assert.match(metrics.text, /berth_http_requests_in_flight 1/);
    // A made-up method does not get a label of its own (labels stay bounded).
    await fetch(berth.url + "/api/v1/projects", { method: "FROBNICATE" });
    const after = (await api.get("/metrics")).text;
    assert.doesNotMatch(after, /FROBNICATE/);
    assert.match(after, /berth_http_requests_total\{method="OTHER",route="unmatched",status="405"\} 1/);
    const doc = (await api.get("/openapi.json")).json;
    assert.equal(doc.openapi, "3.1.0");
    assert.ok(doc.paths["/api/v1/projects/{id}"].patch);
  } finally {
    await berth.stop();
  }
});

test("with nothing configured, a dev JWT secret is generated, kept and reused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-dev-"));
  const env = { JWT_SECRET: "", BERTH_LOG_LEVEL: "info" };
  const first = await startBerth({ env, dataDir: dir, database: false });
  const alice = await signup(first.url, "alice");
  const generated = /JWT_SECRET is not set: generated a development secret/;
  assert.match(await first.logged(generated), generated);
  await first.stop();
  assert.equal(statSync(join(dir, "dev-jwt-secret")).mode & 0o777, 0o600);
  const secret = readFileSync(join(dir, "dev-jwt-secret"), "utf8");
  const second = await startBerth({ env, dataDir: dir, database: false });
  try {
    assert.match(await second.logged(/using the development secret/), /using the development secret/);
    assert.equal(readFileSync(join(dir, "dev-jwt-secret"), "utf8"), secret);
    // the token from before the restart still works, and so does the SQLite data
    const me = await client(second.url, alice.accessToken).get("/api/v1/auth/me");
    assert.equal(me.status, 200);
  } finally {
    await second.stop();
  }
});

function runServe(env) {
  const dir = mkdtempSync(join(tmpdir(), "berth-bad-"));
  return spawnSync(BERTH_BIN, ["serve"], {
    env: { PATH: process.env.PATH, BERTH_DATA_DIR: dir, BERTH_HOST: "127.0.0.1", ...env },
    cwd: dir,
    timeout: 20000,
  });
}

test("a wrong setting stops start-up with one line naming it", () => {
  const r = runServe({ PORT: "http" });
  assert.equal(r.status, 2);
  const err = r.stderr.toString().trim();
  assert.equal(err.split("\n").length, 1);
  assert.match(err, /PORT='http' is not valid/);
});

test("an unreachable DATABASE_URL stops start-up, naming DATABASE_URL but not the password", () => {
  const r = runServe({ PORT: "0", DATABASE_URL: "postgresql://berth:hunter2@127.0.0.1:1/berth" });
  assert.equal(r.status, 2);
  const err = r.stderr.toString();
  assert.match(err, /DATABASE_URL/);
  assert.doesNotMatch(err, /hunter2/);
});

test("a taken port is reported with what to do", async () => {
  const berth = await startBerth();
  try {
    const r = runServe({ PORT: String(berth.port) });
    assert.equal(r.status, 2);
    assert.match(r.stderr.toString(), /already in use/);
  } finally {
    await berth.stop();
  }
});

// Sends a signup on its own connection and resolves once the whole request is
// in the kernel (not when the server has read it): `onSent` runs then.
function signupRaw(port, email, onSent) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ email, password: "long enough pw" });
    const req = http.request(
      { host: "127.0.0.1", port, method: "POST", path: "/api/v1/auth/signup", agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", reject);
    req.end(body, onSent);
  });
}

test("SIGTERM lets an in-flight request finish, then exits 0", async () => {
  const berth = await startBerth();
  // The request is fully sent before the signal; whether the server has read
  // it yet or not, it must be answered.
  const status = await signupRaw(berth.port, "late@example.test", () => berth.proc.kill("SIGTERM"));
  assert.equal(status, 201);
  const { code } = await berth.exited;
  assert.equal(code, 0);
  await berth.stop();
});

test("SIGTERM still serves a connection opened before it whose request comes right after", async () => {
  const berth = await startBerth();
  const socket = net.connect(berth.port, "127.0.0.1");
  await once(socket, "connect");
  berth.proc.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 100));
  socket.end("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  let reply = "";
  socket.on("data", (d) => (reply += d));
  await once(socket, "close");
  assert.match(reply, /^HTTP\/1\.1 200/);
  assert.match(reply, /Connection: close/i);
  const { code } = await berth.exited;
  assert.equal(code, 0);
  await berth.stop();
});
