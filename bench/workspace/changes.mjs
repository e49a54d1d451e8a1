// Files in real time, against a real Docker Engine, each figure beside a
// reference measured in the same run:
//
// 1. container change → fs:changed: a shell loop in the project's
//    container writes a file every 20 ms; the time from when the host's own
//    inotify watch on the mirror (Node's fs.watch: the physical limit,
//    inotify's delivery) hears of it to when a socket.io-client gets its
//    fs:changed. Target: p99 under 50 ms.
// 2. acked fs:write with 20 clients: each socket writes 1 KiB files one
//    after another; ack latency and writes/s, beside 20 Node loops doing the
//    same durable write by hand on the same disk (temp file, fsync, rename,
//    fsync of the folder): the floor any durable ack has.
//
// 3. acked fs:write → object in storage: one client writes a 1 KiB file
//    every 20 ms; the time from its ack to when the object appears in the
//    local store (a watch on the project's folder there), beside the floor
//    of step 2 (one durable write by hand: storage writes one more copy).
//
//   scripts/dockerd-start && build/default/src/app/berth image build --test-only
//   node bench/workspace/changes.mjs [--changes 300] [--clients 20] [--writes 100] [--stored 200]
import { watch, mkdtempSync, rmSync, existsSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { io } from "socket.io-client";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) || fallback : fallback;
};
const changes = arg("--changes", 300);
const clients = arg("--clients", 20);
const writes = arg("--writes", 100);
const stored = arg("--stored", 200);

process.env.BERTH_BIN ??= new URL("../../build/default/src/app/berth", import.meta.url).pathname;
const { startBerth, signup, client, mirrorOf } = await import("../../tests/js/lib/berth.mjs");

const now = () => performance.now();
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => `${x.toFixed(2).padStart(7)} ms`;
const connect = (url, token, projectId) =>
  new Promise((resolve, reject) => {
    const socket = io(url, { auth: { token, projectId }, transports: ["websocket"], reconnection: false, forceNew: true });
    socket.once("project:status", () => resolve(socket));
    socket.once("connect_error", reject);
  });

const berth = await startBerth({
  env: { BERTH_IMAGE: process.env.BERTH_TEST_IMAGE ?? "berth-test:latest", BERTH_CONTAINER_NETWORK: "none" },
  database: false,
});
const sockets = [];
let id;
try {
  const user = await signup(berth.url, "bench");
  id = (await user.api.post("/api/v1/projects", { name: "changes" })).json.id;
  const started = await user.api.post(`/api/v1/projects/${id}/start`);
  if (started.json?.state !== "ready") throw new Error("start: " + started.text);
  console.log(`files bench: berth ${process.env.BERTH_BIN}, ${changes} container changes, ${clients} clients × ${writes} writes`);

  // 1. Container change → fs:changed, beside the host's own inotify watch.
  const heardDirect = new Map();
  const heardBerth = new Map();
  const watcher = watch(mirrorOf(berth.dir, id), (type, name) => {
    if (name?.startsWith("tick") && !heardDirect.has(name)) heardDirect.set(name, now());
  });
  const observer = await connect(berth.url, user.accessToken, id);
  sockets.push(observer);
  observer.on("fs:changed", (p) => {
    const t = now();
    for (const e of p.events) if (e.path.startsWith("tick") && !heardBerth.has(e.path)) heardBerth.set(e.path, t);
  });
  const loop = `i=0; while [ $i -lt ${changes} ]; do echo $i > /workspace/tick$i; i=$((i+1)); usleep 20000; done`;
  const ran = await client(berth.url, user.accessToken).post(`/api/v1/projects/${id}/exec`, { command: loop, timeoutMs: 600000 });
  if (ran.json?.exitCode !== 0) throw new Error("the loop failed: " + ran.text);
  const deadline = now() + 5000;
  while (heardBerth.size < changes && now() < deadline) await new Promise((r) => setTimeout(r, 20));
  watcher.close();
  const lag = [...heardBerth].filter(([name]) => heardDirect.has(name)).map(([name, t]) => t - heardDirect.get(name));
  console.log(`\ncontainer change → heard          p50        p99        max     (n)`);
  console.log(`host inotify watch (the limit)     0 (the origin)`);
  console.log(`berth fs:changed, after it      ${ms(pct(lag, 50))} ${ms(pct(lag, 99))} ${ms(Math.max(...lag))}  (${lag.length} of ${changes}; missed ${changes - heardBerth.size})`);
  console.log(`berth p99 ${pct(lag, 99).toFixed(2)} ms (target < 50 ms)`);

  // 2. Acked fs:write with `clients` sockets at once, beside the same durable write by hand.
  for (let c = 1; c < clients; c++) sockets.push(await connect(berth.url, user.accessToken, id));
  const content = "x".repeat(1024);
  const acks = [];
  let t0 = now();
  await Promise.all(sockets.slice(0, clients).map(async (s, c) => {
    for (let i = 0; i < writes; i++) {
      const t = now();
      const r = await s.timeout(30000).emitWithAck("fs:write", { path: `w${c}-${i}.txt`, content });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      acks.push(now() - t);
    }
  }));
  const berthRate = acks.length / ((now() - t0) / 1000);
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-fsync-"));
  const direct = [];
  t0 = now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; i < writes; i++) {
      const t = now();
      const target = join(dir, `w${c}-${i}.txt`);
      const f = await open(target + ".tmp", "w");
      await f.writeFile(content);
      await f.sync();
      await f.close();
      await rename(target + ".tmp", target);
      const d = await open(dir, "r");
      await d.sync();
      await d.close();
      direct.push(now() - t);
    }
  }));
  const directRate = direct.length / ((now() - t0) / 1000);
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nfs:write, ${clients} clients × ${writes}        p50        p99     writes/s`);
  console.log(`durable write by hand (the floor)  ${ms(pct(direct, 50))} ${ms(pct(direct, 99))}  ${directRate.toFixed(0).padStart(8)}`);
  console.log(`berth fs:write → ack               ${ms(pct(acks, 50))} ${ms(pct(acks, 99))}  ${berthRate.toFixed(0).padStart(8)}`);
  console.log(`berth / floor: writes/s ${((berthRate / directRate) * 100).toFixed(0)} %`);

  // 3. Acked fs:write → the object in storage (the local store's folder).
  const objects = join(berth.dir, "objects", user.user.id, id);
  for (let i = 0; i < 500 && !existsSync(objects); i++) await new Promise((r) => setTimeout(r, 10));
  const appeared = new Map();
  const storeWatch = watch(objects, (type, name) => {
    if (name?.startsWith("s") && name.endsWith(".txt.obj") && !appeared.has(name)) appeared.set(name, now());
  });
  const acked = new Map();
  for (let i = 0; i < stored; i++) {
    const r = await observer.timeout(30000).emitWithAck("fs:write", { path: `s${i}.txt`, content });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    acked.set(`s${i}.txt.obj`, now());
    await new Promise((r) => setTimeout(r, 20));
  }
  const storedBy = now() + 10000;
  while (appeared.size < stored && now() < storedBy) await new Promise((r) => setTimeout(r, 20));
  storeWatch.close();
  const toStorage = [...acked].filter(([name]) => appeared.has(name)).map(([name, t]) => Math.max(0, appeared.get(name) - t));
  console.log(`\nacked fs:write → object in storage  p50        p99        max     (n)`);
  console.log(`durable write by hand (one copy)   ${ms(pct(direct, 50))} ${ms(pct(direct, 99))}`);
  console.log(`berth, after the ack             ${ms(pct(toStorage, 50))} ${ms(pct(toStorage, 99))} ${ms(Math.max(...toStorage))}  (${toStorage.length} of ${stored})`);
} finally {
  for (const s of sockets) s.close();
  await berth.stop();
  if (id) execFileSync("docker", ["rm", "-f", `berth-${id}`], { stdio: "ignore" });
}
