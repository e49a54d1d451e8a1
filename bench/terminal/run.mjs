// Terminal output throughput and keystroke round trip through Berth (a
// socket.io-client on term:open / term:input / term:data), beside the same
// Docker exec with a TTY read straight from the Engine API over the unix
// socket by a minimal client (the physical limit), in one run, in two
// containers of the same image and the same Config/HostConfig (the direct
// one is created from Berth's own container, read back).
//
//   scripts/dockerd-start && build/release/src/app/berth image build --missing-only
//   node bench/terminal/run.mjs [--megabytes 20] [--runs 3] [--keys 200] [--timeout 120] [--image berth-test:latest]
//
// throughput: `head -c N /dev/zero | base64` (N = --megabytes × 10^6; the
//   TTY turns its newlines into \r\n), bytes counted until the exit; MB = 10^6
//   bytes of what the reader received. CPU per MB: Berth's process from
//   /proc/<pid>/stat (utime + stime), the direct reader's process.cpuUsage();
//   the bench's own CPU while it was Berth's client and dockerd's are printed too.
//   --runs transfers each, alternating which goes first; the ratios compare medians.
// keystroke: `cat` on a TTY (the line discipline echoes), one byte written,
//   the time until it comes back, --keys times one after another.
// --timeout (seconds) bounds each transfer; a transfer cut by it reports the
// rate of what arrived and says so.
import { request } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { io } from "socket.io-client";
import { cpuMicros } from "../socketio/proc_stats.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const megabytes = Number(arg("--megabytes", 20)) || 20;
const keys = Number(arg("--keys", 200)) || 200;
const runs = Number(arg("--runs", 3)) || 3;
const timeoutMs = (Number(arg("--timeout", 120)) || 120) * 1000;
const image = arg("--image", process.env.BERTH_TEST_IMAGE ?? "berth-test:latest");
const SOCK = "/var/run/docker.sock";
const command = `head -c ${Math.round(megabytes * 1e6)} /dev/zero | base64`;

process.env.BERTH_BIN ??= new URL("../../build/release/src/app/berth", import.meta.url).pathname;
const { startBerth, signup } = await import("../../tests/js/lib/berth.mjs");

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nodeCpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const dockerdPid = existsSync("/var/run/berth-dockerd.pid") ? Number(readFileSync("/var/run/berth-dockerd.pid", "utf8")) : null;
const dockerdCpu = () => {
  try {
    return dockerdPid ? cpuMicros(dockerdPid) : NaN;
  } catch {
    return NaN;
  }
};

function engineCall(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath: SOCK, method, path,
      headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {} }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => (res.statusCode < 300 ? resolve(text ? JSON.parse(text) : null) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
    });
    req.on("error", reject);
    req.end(data);
  });
}

// A TTY exec in container `cid`, started attached: resolves to the hijacked
// socket (raw TTY bytes both ways) and the bytes that came with the 101.
async function directExec(cid, cmd) {
  const exec = await engineCall("POST", `/containers/${cid}/exec`, {
    Cmd: ["sh", "-c", cmd], Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true,
    User: "1000", WorkingDir: "/workspace", Env: ["TERM=xterm-256color"], ConsoleSize: [24, 80],
  });
  const body = JSON.stringify({ Detach: false, Tty: true, ConsoleSize: [24, 80] });
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: SOCK, method: "POST", path: `/exec/${exec.Id}/start`,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "Upgrade", upgrade: "tcp" } });
    req.on("upgrade", (res, socket, head) => resolve({ socket, head }));
    req.on("response", (res) => reject(new Error(`exec start: ${res.statusCode} (no upgrade)`)));
    req.on("error", reject);
    req.end(body);
  });
}

// Reads a direct exec to its end: { bytes, ms, cpu (µs of this process), timedOut }.
async function directThroughput(cid) {
  const cpu0 = nodeCpu(), t0 = now();
  const { socket, head } = await directExec(cid, command);
  let bytes = head.length;
  const timedOut = await new Promise((resolve) => {
    const timer = setTimeout(() => (socket.destroy(), resolve(true)), timeoutMs);
    socket.on("data", (d) => (bytes += d.length));
    socket.on("close", () => (clearTimeout(timer), resolve(false)));
    socket.on("end", () => socket.destroy());
  });
  return { bytes, ms: now() - t0, cpu: nodeCpu() - cpu0, timedOut };
}

async function directKeystrokes(cid) {
  const { socket, head } = await directExec(cid, "cat");
  let waiting = null;
  socket.on("data", (d) => waiting?.(d));
  const ready = head.length ? Promise.resolve() : sleep(200);
  await ready;
  const times = await keystrokeLoop(async (ch) => {
    const echoed = new Promise((resolve) => (waiting = (d) => d.includes(ch) && resolve()));
    const t0 = now();
    socket.write(ch);
    await echoed;
    return now() - t0;
  });
  socket.destroy();
  return times;
}

// 20 unmeasured, then `keys` measured, one after another; a newline every
// 64 keeps cat's line short.
async function keystrokeLoop(roundTrip) {
  const times = [];
  for (let i = 0; i < keys + 20; i++) {
    const ch = i % 64 === 63 ? "\r" : String.fromCharCode(97 + (i % 26));
    const t = await Promise.race([roundTrip(ch), sleep(5000).then(() => { throw new Error("no echo within 5 s"); })]);
    if (i >= 20) times.push(t);
  }
  return times;
}

function connect(berth, user, projectId) {
  return new Promise((resolve, reject) => {
    const socket = io(berth.url, { auth: (cb) => cb({ token: user.accessToken, projectId }), transports: ["websocket"], reconnection: false, forceNew: true });
    socket.once("project:status", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}
const call = (socket, event, body) => socket.timeout(30000).emitWithAck(event, body);

async function berthThroughput(socket, pid) {
  const cpu0 = cpuMicros(pid), node0 = nodeCpu(), d0 = dockerdCpu(), t0 = now();
  let tid = null, bytes = 0;
  let finish;
  const done = new Promise((r) => (finish = r));
  const onData = (m) => { if (m.id === tid || tid === null) bytes += m.data.length; };
  const onExit = (m) => { if (m.id === tid) finish(false); };
  socket.on("term:data", onData);
  socket.on("term:exit", onExit);
  const r = await call(socket, "term:open", { cols: 80, rows: 24, command });
  if (!r.ok) throw new Error(`term:open: ${JSON.stringify(r)}`);
  tid = r.id;
  const timer = setTimeout(() => finish(true), timeoutMs);
  const timedOut = await done;
  clearTimeout(timer);
  const result = { bytes, ms: now() - t0, cpu: cpuMicros(pid) - cpu0, client: nodeCpu() - node0, dockerd: dockerdCpu() - d0, timedOut };
  socket.off("term:data", onData);
  socket.off("term:exit", onExit);
  await call(socket, "term:close", { id: tid });
  return result;
}

async function berthKeystrokes(socket) {
  const r = await call(socket, "term:open", { cols: 80, rows: 24, command: "cat" });
  if (!r.ok) throw new Error(`term:open: ${JSON.stringify(r)}`);
  let waiting = null;
  const onData = (m) => m.id === r.id && waiting?.(m.data);
  socket.on("term:data", onData);
  await sleep(200);
  const times = await keystrokeLoop(async (ch) => {
    const echoed = new Promise((resolve) => (waiting = (d) => d.includes(ch) && resolve()));
    const t0 = now();
    socket.emit("term:input", { id: r.id, data: ch });
    await echoed;
    return now() - t0;
  });
  socket.off("term:data", onData);
  await call(socket, "term:close", { id: r.id });
  return times;
}

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const mb = (b) => b / 1e6;

const berth = await startBerth({
  env: { BERTH_IMAGE: image, BERTH_CONTAINER_NETWORK: "none", BERTH_CONTAINER_MEMORY: "256m", BERTH_LOG_LEVEL: "error" },
});
let projectId = null, directId = null, socket = null;
try {
  const user = await signup(berth.url, "bench");
  projectId = (await user.api.post("/api/v1/projects", { name: "bench-terminal" })).json.id;
  socket = await connect(berth, user, projectId);
  // Starts the project's container; then the direct one, made like it.
  const warm = await call(socket, "term:open", { cols: 80, rows: 24, command: "true" });
  if (!warm.ok) throw new Error(`term:open: ${JSON.stringify(warm)}`);
  await call(socket, "term:close", { id: warm.id });
  const made = await engineCall("GET", `/containers/berth-${projectId}/json`);
  const spec = { Image: made.Config.Image, Cmd: made.Config.Cmd, Entrypoint: made.Config.Entrypoint, User: made.Config.User,
    WorkingDir: made.Config.WorkingDir, Env: made.Config.Env, Labels: { "io.berth.bench": "terminal-direct" }, HostConfig: made.HostConfig };
  directId = (await engineCall("POST", "/containers/create", spec)).Id;
  await engineCall("POST", `/containers/${directId}/start`);

  const pid = berth.proc.pid;
  const engine = await engineCall("GET", "/version");
  console.log(`terminal bench: image ${image}, Docker Engine ${engine.Version} (API ${engine.ApiVersion}), berth ${process.env.BERTH_BIN}`);
  console.log(`throughput: \`${command}\`, timeout ${timeoutMs / 1000} s per transfer; keystroke: \`cat\`, ${keys} keys`);

  const directRuns = [], berthRuns = [];
  const runDirect = async () => {
    const d0 = dockerdCpu();
    const t = await directThroughput(directId);
    t.dockerd = dockerdCpu() - d0;
    directRuns.push(t);
  };
  const runBerth = async () => berthRuns.push(await berthThroughput(socket, pid));
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) { await runDirect(); await runBerth(); } else { await runBerth(); await runDirect(); }
  }
  const directKeys = await directKeystrokes(directId);
  const berthKeys = await berthKeystrokes(socket);

  const rate = (t) => mb(t.bytes) / (t.ms / 1000);
  const perMb = (us, t) => us / 1e6 / mb(t.bytes);
  const row = (name, t, extra = "") =>
    `${name.padEnd(34)} ${mb(t.bytes).toFixed(1).padStart(6)} MB in ${(t.ms / 1000).toFixed(1).padStart(6)} s  ${rate(t).toFixed(2).padStart(6)} MB/s  ` +
    `${perMb(t.cpu, t).toFixed(4)} CPU s/MB${extra}${t.timedOut ? "  (CUT BY --timeout)" : ""}`;
  console.log("\noutput throughput                  received            rate         CPU per MB (the reader / the server)");
  for (let i = 0; i < runs; i++) {
    const d = directRuns[i], b = berthRuns[i];
    console.log(row(`direct Engine API exec, run ${i + 1}`, d, `  [dockerd ${perMb(d.dockerd, d).toFixed(4)}]`));
    console.log(row(`berth → socket.io-client, run ${i + 1}`, b, `  [client ${perMb(b.client, b).toFixed(4)}, dockerd ${perMb(b.dockerd, b).toFixed(4)}]`));
  }
  const med = (xs) => pct(xs, 0.5);
  const dRate = med(directRuns.map(rate)), bRate = med(berthRuns.map(rate));
  const dCpu = med(directRuns.map((t) => perMb(t.cpu, t))), bCpu = med(berthRuns.map((t) => perMb(t.cpu, t)));
  console.log(`medians: direct ${dRate.toFixed(2)} MB/s, ${dCpu.toFixed(4)} CPU s/MB; berth ${bRate.toFixed(2)} MB/s, ${bCpu.toFixed(4)} CPU s/MB`);
  console.log(`berth / direct: throughput ${((bRate / dRate) * 100).toFixed(0)} % (target ≥ 80 %), CPU per MB ${(bCpu / dCpu).toFixed(2)}× (target ≤ 2×)`);

  console.log("\nkeystroke round trip               p50        p99        max");
  const krow = (name, xs) => `${name.padEnd(34)} ${pct(xs, 0.5).toFixed(2).padStart(6)} ms  ${pct(xs, 0.99).toFixed(2).padStart(6)} ms  ${Math.max(...xs).toFixed(2).padStart(6)} ms  (n=${xs.length})`;
  console.log(krow("direct Engine API exec (limit)", directKeys));
  console.log(krow("berth term:input → term:data", berthKeys));
  console.log(`berth p99 ${pct(berthKeys, 0.99).toFixed(2)} ms (target < 5 ms)`);
} finally {
  socket?.close();
  if (directId) await engineCall("DELETE", `/containers/${directId}?force=true`).catch(() => {});
  await berth.stop();
  if (projectId) await engineCall("DELETE", `/containers/berth-${projectId}?force=true`).catch(() => {});
}
