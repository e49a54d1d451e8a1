// bench/socketio: the same client load against Berth and against the
// official Node socket.io 4.8 server, in one run, printed side by side.
//   node bench/socketio/run.mjs [--quick]
// Needs build/default (make build) and the npm packages (scripts/bootstrap).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { echoLoad, broadcastLoad, idleMemory } from "./load.mjs";

const quick = process.argv.includes("--quick");
if (process.argv.includes("--help")) {
  console.log("usage: node bench/socketio/run.mjs [--quick]\n  --quick: shorter runs and 1,000 idle connections instead of 10,000");
  process.exit(0);
}
const BERTH = process.env.BERTH_BIN ?? new URL("../../build/default/src/app/berth", import.meta.url).pathname;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startServer(name, cmd, args, env, port) {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr.on("data", (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
      return { name, proc, url };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill();
  throw new Error(`${name} did not start: ${err}`);
}

async function measure(server) {
  const pid = server.proc.pid;
  const echo = await echoLoad(server.url, pid, { clients: 50, seconds: quick ? 2 : 5 });
  const pipelined = await echoLoad(server.url, pid, { clients: 50, inflight: 8, seconds: quick ? 2 : 5 });
  const broadcast = await broadcastLoad(server.url, pid, { members: 100, rounds: quick ? 200 : 1000 });
  const idle = await idleMemory(server.url, pid, { n: quick ? 1000 : 10000 });
  return { echo, pipelined, broadcast, idle };
}

const berthPort = await freePort();
const nodePort = await freePort();
const results = {};
for (const [name, cmd, args, env, port] of [
  ["berth", BERTH, ["dev", "bench-server", "--port", String(berthPort)], { BERTH_THREADS: "1", BERTH_LOG_LEVEL: "warn" }, berthPort],
  ["node socket.io 4.8", process.execPath, [new URL("./reference_server.mjs", import.meta.url).pathname, String(nodePort)], {}, nodePort],
]) {
  const server = await startServer(name, cmd, args, env, port);
  try {
    results[name] = await measure(server);
  } finally {
    server.proc.kill("SIGTERM");
  }
}

const names = Object.keys(results);
const rows = [
  ["acked echo calls/s (50 clients)", (r) => r.echo.callsPerSecond.toFixed(0)],
  ["ack latency p50 (ms)", (r) => r.echo.p50Ms.toFixed(2)],
  ["ack latency p99 (ms)", (r) => r.echo.p99Ms.toFixed(2)],
  ["server CPU per echo call (µs)", (r) => r.echo.cpuMicrosPerCall.toFixed(1)],
  ["  of which in the kernel (µs)", (r) => r.echo.kernelMicrosPerCall.toFixed(1)],
  ["pipelined (8 in flight per client): calls/s", (r) => r.pipelined.callsPerSecond.toFixed(0)],
  ["pipelined: server CPU per call (µs)", (r) => r.pipelined.cpuMicrosPerCall.toFixed(1)],
  ["  of which in the kernel (µs)", (r) => r.pipelined.kernelMicrosPerCall.toFixed(1)],
  ["server CPU per broadcast to 100 (µs)", (r) => r.broadcast.cpuMicrosPerBroadcast.toFixed(0)],
  [`memory per idle websocket (bytes, ${results[names[0]].idle.connections} conns)`, (r) => r.idle.bytesPerConnection.toFixed(0)],
];
const width = Math.max(...rows.map(([l]) => l.length));
console.log("\n" + "".padEnd(width) + names.map((n) => n.padStart(20)).join(""));
for (const [label, f] of rows) console.log(label.padEnd(width) + names.map((n) => f(results[n]).padStart(20)).join(""));
const [b, n] = names.map((k) => results[k]);
console.log(`\nCPU per call: berth/node = ${(b.echo.cpuMicrosPerCall / n.echo.cpuMicrosPerCall).toFixed(2)} one in flight, ${(b.pipelined.cpuMicrosPerCall / n.pipelined.cpuMicrosPerCall).toFixed(2)} pipelined (target ≤ 0.20)`);
console.log(`kernel time alone: berth's kernel CPU per call / node's total = ${(b.echo.kernelMicrosPerCall / n.echo.cpuMicrosPerCall).toFixed(2)} (a floor for the CPU ratio)`);
console.log(`memory per idle connection: berth/node = ${(b.idle.bytesPerConnection / n.idle.bytesPerConnection).toFixed(2)} (target ≤ 0.25)`);
console.log(`broadcast to 100: ${(b.broadcast.cpuMicrosPerBroadcast / 1000).toFixed(3)} ms of server CPU (target < 1 ms)`);
console.log("both servers single-threaded (BERTH_THREADS=1; Node is single-threaded), both on 127.0.0.1, client: socket.io-client 4.8 over websocket");
