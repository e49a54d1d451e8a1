// Starts `berth dev conformance-server` on a free loopback port, runs the
// conformance tests against it, stops it. Used by ctest; by hand:
//   node tests/conformance/run.mjs      (BERTH_BIN overrides the binary)
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.BERTH_BIN ?? join(here, "../../build/default/src/app/berth");
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const server = spawn(bin, ["dev", "conformance-server", "--port", String(port), "--threads", "2"], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, BERTH_LOG_LEVEL: "warn" },
});
const url = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    await fetch(`${url}/engine.io/?EIO=4&transport=polling`);
    break;
  } catch {
    if (i > 200 || server.exitCode !== null) {
      console.error("conformance server did not start");
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
const files = ["engineio.test.mjs", "socketio.test.mjs", "client.test.mjs", "abuse.test.mjs"].map((f) => join(here, f));
const tests = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], {
  stdio: "inherit",
  env: { ...process.env, BERTH_CONFORMANCE_URL: url, BERTH_CONFORMANCE_PID: String(server.pid) },
});
const code = await new Promise((resolve) => tests.on("exit", (c) => resolve(c ?? 1)));
server.kill("SIGTERM");
await new Promise((resolve) => server.on("exit", resolve));
process.exit(code);
