// bench/socketio/serve_path.mjs: what the real `berth serve` path costs on
// top of the bare Socket.IO server — a project connection verifies the
// token, looks up the membership and sends project:status — measured beside
// `berth dev bench-server` (no auth) in the same run.
//   node bench/socketio/serve_path.mjs [--quick]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectLoad, idleMemory } from "./load.mjs";
import { freePort, signup } from "../../tests/js/lib/berth.mjs";

const quick = process.argv.includes("--quick");
if (process.argv.includes("--help")) {
  console.log("usage: node bench/socketio/serve_path.mjs [--quick]\n  --quick: 500 connects and 1,000 idle connections instead of 2,000 and 5,000");
  process.exit(0);
}
const BERTH = process.env.BERTH_BIN ?? new URL("../../build/default/src/app/berth", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "berth-bench-serve-"));

async function start(args, env, port) {
  const proc = spawn(BERTH, args, { env: { ...process.env, BERTH_THREADS: "1", BERTH_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "ignore", "pipe"], cwd: dir });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
      return { proc, url };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`berth ${args[0]} did not start`);
}

const rows = [];
try {
  const benchPort = await freePort();
  const bare = await start(["dev", "bench-server", "--port", String(benchPort)], {}, benchPort);
  const servePort = await freePort();
  const serve = await start(["serve"], { PORT: String(servePort), BERTH_HOST: "127.0.0.1", BERTH_DATA_DIR: dir,
    JWT_SECRET: "bench-secret-that-is-long-enough-0123456789", DOCKER_HOST: "unix:///nonexistent.sock" }, servePort);
  const user = await signup(serve.url, "bench");
  const project = (await user.api.post("/api/v1/projects", { name: "bench" })).json;
  const auth = { token: user.accessToken, projectId: project.id };
  const n = quick ? 500 : 2000, idle = quick ? 1000 : 5000;
  for (const [name, server, a] of [["berth dev bench-server (no auth)", bare, undefined], ["berth serve (token + membership)", serve, auth]]) {
    const c = await connectLoad(server.url, server.proc.pid, { n, auth: a });
    const m = await idleMemory(server.url, server.proc.pid, { n: idle, auth: a });
    rows.push({ name, ...c, bytesPerConnection: m.bytesPerConnection });
    server.proc.kill("SIGTERM");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log("| server | connects/s | CPU µs per connect | idle bytes per connection |\n|---|---|---|---|");
for (const r of rows)
  console.log(`| ${r.name} | ${r.connectsPerSecond.toFixed(0)} | ${r.cpuMicrosPerConnect.toFixed(0)} | ${r.bytesPerConnection.toFixed(0)} |`);
