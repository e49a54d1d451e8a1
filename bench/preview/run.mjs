// Previews: small GETs (requests per second, p50/p99 latency) and a large
// download (MB/s) through Berth's preview proxy, beside the same requests
// made straight to the app inside the container's network namespace (the
// limit), by the same client (load.mjs; the direct one under
// `nsenter -t <pid> -n`, so it sees the container's loopback), in one run.
//
//   scripts/dockerd-start && build/default/src/app/berth image build --missing-only
//   BERTH_BIN=build/default/src/app/berth node bench/preview/run.mjs [--runs 3] [--seconds 5] [--concurrency 8] [--megabytes 100]
//
// The apps: busybox httpd (test image) for a 14-byte file; it closes each
// connection, so both paths connect once per request (Berth dials into the
// namespace per request). Dev servers keep connections alive, which busybox
// has no server for: a Node http server run in the container's network
// namespace (nsenter -n; the host's node binary, the container's network)
// answers 14 bytes with keep-alive. The download is `dd` of zeros behind
// busybox nc.
// The preview is private: the client carries the session cookie a link set.
import { execFileSync, spawn } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { cpuMicros } from "../socketio/proc_stats.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const runs = Number(arg("--runs", 3));
const seconds = Number(arg("--seconds", 5));
const concurrency = Number(arg("--concurrency", 8));
const megabytes = Number(arg("--megabytes", 100));
const image = arg("--image", process.env.BERTH_TEST_IMAGE ?? "berth-test:latest");
process.env.BERTH_BIN ??= fileURLToPath(new URL("../../build/default/src/app/berth", import.meta.url));
const { startBerth, signup } = await import("../../tests/js/lib/berth.mjs");
const load = fileURLToPath(new URL("./load.mjs", import.meta.url));

const BIG = `#!/bin/sh
while read -r line; do line=$(printf %s "$line" | tr -d "\\r"); [ -z "$line" ] && break; done
printf 'HTTP/1.1 200 OK\\r\\nContent-Length: ${megabytes * 1048576}\\r\\nConnection: close\\r\\n\\r\\n'
exec dd if=/dev/zero bs=1048576 count=${megabytes} 2>/dev/null
`;

function node(args, prefix = []) {
  return new Promise((resolve, reject) => {
    const [cmd, ...rest] = [...prefix, process.execPath, load, ...args];
    const p = spawn(cmd, rest, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${cmd} exited ${code}`))));
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const berth = await startBerth({ env: { BERTH_IMAGE: image, BERTH_CONTAINER_NETWORK: "none", BERTH_PROJECT_QUOTA: "256m", ...(process.env.BERTH_THREADS ? { BERTH_THREADS: process.env.BERTH_THREADS } : {}) } });
let id, keepAliveApp;
try {
  const user = await signup(berth.url, "bench");
  id = (await user.api.post("/api/v1/projects", { name: "preview bench" })).json.id;
  await user.api.put(`/api/v1/projects/${id}/files/content?path=big.sh`, BIG);
  const exec = async (command) => {
    const r = await user.api.post(`/api/v1/projects/${id}/exec`, { command });
    if (r.json?.exitCode !== 0) throw new Error(`${command}: ${r.text}`);
  };
  await exec("mkdir -p /tmp/www && echo hello-preview > /tmp/www/hello.html && httpd -p 8080 -h /tmp/www && chmod +x /workspace/big.sh" +
    " && (nc -ll -p 8091 -e /workspace/big.sh >/dev/null 2>&1 &)");
  for (;;) {
    const open = (await user.api.get(`/api/v1/projects/${id}/ports`)).json.ports.map((p) => p.port);
    if (open.includes(8080) && open.includes(8091)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = execFileSync("docker", ["inspect", "-f", "{{.State.Pid}}", `berth-${id}`], { encoding: "utf8" }).trim();
  const inside = ["nsenter", "-t", pid, "-n"];
  keepAliveApp = spawn(inside[0], [...inside.slice(1), process.execPath, "-e",
    "require('http').createServer((q, s) => s.end('hello-preview\\n')).listen(8093, '127.0.0.1')"], { stdio: "ignore" });
  for (;;) {
    if ((await user.api.get(`/api/v1/projects/${id}/ports`)).json.ports.some((p) => p.port === 8093)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const cookieFor = async (port) => {
    const link = new URL((await user.api.post(`/api/v1/projects/${id}/previews/${port}/session`)).json.url);
    // fetch() cannot set Host: node:http can.
    return new Promise((resolve, reject) => {
      request({ host: "127.0.0.1", port: berth.port, path: link.pathname + link.search, headers: { host: link.host } }, (r) => {
        r.resume();
        resolve(r.headers["set-cookie"][0].split(";")[0]);
      }).on("error", reject).end();
    });
  };
  const proxied = (port, path) => ["--url", `http://127.0.0.1:${berth.port}${path}`, "--host", `${port}-${id}.localhost:${berth.port}`];
  const direct = (port, path) => ["--url", `http://127.0.0.1:${port}${path}`];
  const small = ["--seconds", String(seconds), "--concurrency", String(concurrency)];
  const smallCookie = ["--cookie", await cookieFor(8080)];
  const bigCookie = ["--cookie", await cookieFor(8091)];
  const keptCookie = ["--cookie", await cookieFor(8093)];

  const results = { direct: { small: [], kept: [], big: [] }, berth: { small: [], kept: [], big: [] } };
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? ["direct", "berth"] : ["berth", "direct"];
    for (const which of order) {
      const s = which === "direct" ? await node([...direct(8080, "/hello.html"), ...small], inside)
                                   : await node([...proxied(8080, "/hello.html"), ...small, ...smallCookie]);
      const cpuBefore = cpuMicros(berth.proc.pid);
      const k = which === "direct" ? await node([...direct(8093, "/"), ...small], inside)
                                   : await node([...proxied(8093, "/"), ...small, ...keptCookie]);
      // Berth's own CPU per proxied request (on the direct path it only polls ports).
      k.berthMicrosPerRequest = (cpuMicros(berth.proc.pid) - cpuBefore) / k.requests;
      const b = which === "direct" ? await node([...direct(8091, "/"), "--download"], inside)
                                   : await node([...proxied(8091, "/"), "--download", ...bigCookie]);
      results[which].small.push(s);
      results[which].kept.push(k);
      results[which].big.push(b);
      const say = (x) => `${x.rps.toFixed(0)} req/s, p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms`;
      console.error(`run ${r + 1} ${which.padEnd(6)}: httpd ${say(s)}; keep-alive ${say(k)}; ${b.mbPerSecond.toFixed(0)} MB/s`);
    }
  }
  const m = (which, key, part) => median(results[which][part].map((x) => x[key]));
  const row = (label, key, part, unit, digits, ratio) => {
    const d = m("direct", key, part), b = m("berth", key, part);
    return `| ${label} | ${d.toFixed(digits)} ${unit} | ${b.toFixed(digits)} ${unit} | ${ratio(d, b)} |`;
  };
  const pctOf = (d, b) => `${((b / d) * 100).toFixed(0)} %`;
  const added = (d, b) => `${b >= d ? "+" : "−"}${Math.abs(b - d).toFixed(2)} ms`;
  console.log(`medians of ${runs} runs (${concurrency} concurrent small GETs for ${seconds} s; ${megabytes} MB downloads)\n`);
  console.log("| | direct, inside the container's namespace (the limit) | through the preview proxy | proxy vs direct |");
  console.log("|---|---|---|---|");
  console.log(row("small GETs, httpd (a connection each)", "rps", "small", "req/s", 0, pctOf));
  console.log(row("p50 latency", "p50", "small", "ms", 2, added));
  console.log(row("p99 latency", "p99", "small", "ms", 2, added));
  console.log(row("small GETs, keep-alive app", "rps", "kept", "req/s", 0, pctOf));
  console.log(row("Berth's CPU per request", "berthMicrosPerRequest", "kept", "µs", 0, () => ""));
  console.log(row("p50 latency", "p50", "kept", "ms", 2, added));
  console.log(row("p99 latency", "p99", "kept", "ms", 2, added));
  console.log(row("large download", "mbPerSecond", "big", "MB/s", 0, pctOf));
} finally {
  keepAliveApp?.kill();
  await berth.stop();
  if (id) execFileSync("docker", ["rm", "-f", `berth-${id}`], { stdio: "ignore" });
}
