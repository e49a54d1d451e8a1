// The client load, the same for every server: acked echo calls, a room
// broadcast, and many idle connections. Uses the official socket.io-client.
import { io } from "socket.io-client";
import { cpuMicros, cpuTimes, rssBytes } from "./proc_stats.mjs";

// `auth`: the CONNECT payload (berth serve wants {token, projectId}).
const connectOne = (url, auth) =>
  new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, ...(auth ? { auth } : {}) });
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });

async function connectMany(url, n, batch = 200, auth) {
  const sockets = [];
  for (let i = 0; i < n; i += batch) {
    const part = await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => connectOne(url, auth)));
    sockets.push(...part);
  }
  return sockets;
}

// `n` connects (handshake, upgrade, Socket.IO CONNECT and, on berth serve,
// the token check and membership lookup), `batch` at a time: connects per
// second and server CPU per connect.
export async function connectLoad(url, pid, { n = 2000, batch = 50, auth } = {}) {
  (await connectMany(url, batch, batch, auth)).forEach((s) => s.disconnect()); // warm up
  const cpu0 = cpuMicros(pid);
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    const part = await connectMany(url, Math.min(batch, n - i), batch, auth);
    part.forEach((s) => s.disconnect());
  }
  const elapsed = (performance.now() - t0) / 1000;
  return { connects: n, connectsPerSecond: n / elapsed, cpuMicrosPerConnect: (cpuMicros(pid) - cpu0) / n };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// `clients` sockets each send acked echo calls back to back for `seconds`,
// `inflight` at a time per socket (1: each waits for the previous ack).
export async function echoLoad(url, pid, { clients = 50, seconds = 5, inflight = 1, payload = { msg: "hello", n: 42 } } = {}) {
  const sockets = await connectMany(url, clients);
  // warm up
  await Promise.all(sockets.map((s) => s.timeout(5000).emitWithAck("echo", payload)));
  const latencies = [];
  const times0 = cpuTimes(pid);
  const cpu0 = cpuMicros(pid);
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    sockets.flatMap((s) => Array.from({ length: inflight }, () => s)).map(async (s) => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await s.timeout(5000).emitWithAck("echo", payload);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMicros(pid) - cpu0;
  const kernel = cpuTimes(pid).system - times0.system;
  sockets.forEach((s) => s.disconnect());
  latencies.sort((a, b) => a - b);
  return {
    kernelMicrosPerCall: kernel / latencies.length,
    callsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMicrosPerCall: cpu / latencies.length,
    calls: latencies.length,
  };
}

// One sender broadcasts to a room of `members` sockets, `rounds` times,
// waiting each time until every member received it.
export async function broadcastLoad(url, pid, { members = 100, rounds = 200 } = {}) {
  const sockets = await connectMany(url, members + 1);
  const [sender, ...room] = sockets;
  await Promise.all(room.map((s) => s.timeout(5000).emitWithAck("join", "bench-room")));
  let received = 0;
  let wake = null;
  room.forEach((s) =>
    s.on("news", () => {
      if (++received === members && wake) wake();
    }),
  );
  const round = () =>
    new Promise((resolve) => {
      received = 0;
      wake = resolve;
      sender.emit("broadcast", "bench-room", { text: "tick" });
    });
  for (let i = 0; i < 10; i++) await round(); // warm up
  const cpu0 = cpuMicros(pid);
  for (let i = 0; i < rounds; i++) await round();
  const cpu = cpuMicros(pid) - cpu0;
  sockets.forEach((s) => s.disconnect());
  return { members, rounds, cpuMicrosPerBroadcast: cpu / rounds };
}

// Memory of `n` idle websocket connections: RSS after minus RSS before.
export async function idleMemory(url, pid, { n = 10000, auth } = {}) {
  const before = rssBytes(pid);
  const sockets = await connectMany(url, n, 200, auth);
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssBytes(pid);
  sockets.forEach((s) => s.disconnect());
  return { connections: n, rssBeforeMiB: before / 2 ** 20, rssAfterMiB: after / 2 ** 20, bytesPerConnection: (after - before) / n };
}
