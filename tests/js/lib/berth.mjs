// Starts a real `berth serve` for a test: its own data dir, a free loopback
// port, and (when BERTH_TEST_DATABASE_URL is set) a fresh PostgreSQL database.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export const BERTH_BIN = process.env.BERTH_BIN ?? new URL("../../../build/default/src/app/berth", import.meta.url).pathname;
export const JWT_SECRET = "test-secret-that-is-long-enough-0123456789";

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

// A fresh database on the test PostgreSQL, dropped by cleanup().
export function freshPostgresDatabase() {
  const admin = process.env.BERTH_TEST_DATABASE_URL;
  if (!admin) return null;
  const name = "berth_it_" + randomBytes(6).toString("hex");
  execFileSync("psql", [admin, "-qc", `CREATE DATABASE ${name}`]);
  const url = admin.replace(/\/[^/]*$/, "/" + name);
  return { url, drop: () => execFileSync("psql", [admin, "-qc", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]) };
}

// A project's mirror (bound at /workspace) under a data dir: on the
// project's own disk, <data>/projects/<id>/disk (src/workspace/project_disk.hpp).
export const mirrorOf = (dataDir, projectId) => join(dataDir, "projects", projectId, "disk", "files");

// Project disks stay mounted when Berth stops (their containers may still
// use them): a test detaches those under its data dir before removing it.
export function unmountUnder(dir) {
  const unescape = (p) => p.replace(/\\(\d{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)));
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter(Boolean)
    .map(unescape)
    .filter((p) => p.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
  for (const p of points) execFileSync("umount", ["-l", p]);
}

export function removeDataDir(dir) {
  unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
}

// Project disks are allocated whole; the tests' are small, so many servers
// can run at once. BERTH_PROJECT_QUOTA in `env` overrides it.
const TEST_QUOTA = "128m";

// `wrap`: a command to run the server under, e.g. ["strace", "-f", "-o", file].
// `port` fixes the port (with the same `dataDir`, a restart is the same
// server again); `database: false` keeps SQLite in the data dir.
export async function startBerth({ env = {}, dataDir, database = true, wrap, port: fixedPort } = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "berth-it-"));
  const port = fixedPort ?? (await freePort());
  const pg = database ? freshPostgresDatabase() : null;
  const fullEnv = {
    PATH: process.env.PATH,
    PORT: String(port),
    BERTH_HOST: "127.0.0.1",
    BERTH_DATA_DIR: dir,
    JWT_SECRET,
    BERTH_LOG_LEVEL: "warn",
    BERTH_PROJECT_QUOTA: TEST_QUOTA,
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...env,
  };
  const [command, args] = wrap ? [wrap[0], [...wrap.slice(1), BERTH_BIN, "serve"]] : [BERTH_BIN, ["serve"]];
  const proc = spawn(command, args, { env: fullEnv, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  proc.stdout.on("data", (d) => (logs += d));
  proc.stderr.on("data", (d) => (logs += d));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 50))]);
    if (early) throw new Error(`berth exited early (${JSON.stringify(early)}):\n${logs}`);
    try {
      const r = await fetch(url + "/healthz");
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      proc.kill("SIGTERM");
      throw new Error("berth did not become healthy:\n" + logs);
    }
  }
  return {
    url,
    port,
    dir,
    proc,
    exited,
    logs: () => logs,
    // The logger is asynchronous: a line shows up shortly after its event.
    async logged(re, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(logs) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return logs;
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await exited;
      }
      pg?.drop();
      if (!dataDir) removeDataDir(dir);
    },
  };
}

// A small JSON client for one server and (optionally) one bearer token.
export function client(base, token) {
  const call = async (method, path, body, headers = {}) => {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload = body;
    if (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array)) {
      payload = JSON.stringify(body);
      h["content-type"] = "application/json";
    }
    const res = await fetch(base + path, { method, headers: h, body: payload });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, json, text, headers: res.headers };
  };
  return {
    get: (p, h) => call("GET", p, undefined, h),
    post: (p, b, h) => call("POST", p, b, h),
    put: (p, b, h) => call("PUT", p, b, h),
    patch: (p, b, h) => call("PATCH", p, b, h),
    del: (p, h) => call("DELETE", p, undefined, h),
    withToken: (t) => client(base, t),
  };
}

let counter = 0;
export async function signup(base, name = "user") {
  const email = `${name}-${process.pid}-${++counter}-${randomBytes(3).toString("hex")}@example.test`;
  const r = await client(base).post("/api/v1/auth/signup", { email, password: "correct horse battery", name });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`);
  return { ...r.json, email, api: client(base, r.json.accessToken) };
}
