// One load run against one HTTP/1.1 URL, printed as JSON on stdout, so the
// same client measures both paths of bench/preview/run.mjs: through
// Berth's preview proxy (with --host) and straight to the app inside the
// container's network namespace (run under `nsenter -n`).
//
//   node bench/preview/load.mjs --url http://127.0.0.1:8080/hello.html [--host H] [--cookie C]
//        [--concurrency 8] [--seconds 5] | --download  (read the URL's whole body once)
import { Agent, request } from "node:http";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const url = new URL(arg("--url"));
const host = arg("--host", url.host);
const cookie = arg("--cookie", "");
const concurrency = Number(arg("--concurrency", 8));
const seconds = Number(arg("--seconds", 5));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const headers = { host, ...(cookie ? { cookie } : {}) };

function once() {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let bytes = 0;
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, headers }, (res) => {
      res.on("data", (c) => (bytes += c.length));
      res.on("end", () => (res.statusCode === 200 ? resolve({ ms: performance.now() - started, bytes }) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

if (process.argv.includes("--download")) {
  const { ms, bytes } = await once();
  console.log(JSON.stringify({ bytes, ms, mbPerSecond: bytes / 1e6 / (ms / 1000) }));
} else {
  for (let i = 0; i < 50; i++) await once(); // warm-up, unmeasured
  const latencies = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) latencies.push((await once()).ms);
  }));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({ requests: latencies.length, rps: latencies.length / elapsed, p50: pct(latencies, 50), p99: pct(latencies, 99) }));
}
agent.destroy();
