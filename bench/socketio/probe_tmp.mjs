// temporary: echo + idle only against one berth binary, with user/sys split
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { echoLoad, idleMemory, broadcastLoad } from "./load.mjs";
const bin = process.argv[2];
const what = process.argv[3] ?? "all";
const port = 40000 + Math.floor(Math.random() * 10000);
const proc = spawn(bin, ["dev", "bench-server", "--port", String(port)], { env: { ...process.env, BERTH_THREADS: "1", BERTH_LOG_LEVEL: "warn" }, stdio: ["ignore", "ignore", "inherit"] });
const url = `http://127.0.0.1:${port}`;
for (let i = 0; i < 200; i++) { try { await fetch(`${url}/socket.io/?EIO=4&transport=polling`); break; } catch { await new Promise((r) => setTimeout(r, 50)); } }
const st = () => { const s = readFileSync(`/proc/${proc.pid}/stat`, "utf8"); const f = s.slice(s.lastIndexOf(")") + 2).split(" "); return [Number(f[11]) * 1e4, Number(f[12]) * 1e4]; };
try {
  if (what === "all" || what === "echo") {
    const a = st();
    const e = await echoLoad(url, proc.pid, { clients: 50, seconds: Number(process.env.SECS ?? 5) });
    const b = st();
    console.log(`echo: ${e.callsPerSecond.toFixed(0)}/s cpu/call ${e.cpuMicrosPerCall.toFixed(2)}us user ${((b[0]-a[0])/e.calls).toFixed(2)} sys ${((b[1]-a[1])/e.calls).toFixed(2)}`);
  }
  if (what === "all" || what === "bcast") {
    const r = await broadcastLoad(url, proc.pid, { members: 100, rounds: 1000 });
    console.log(`broadcast: ${r.cpuMicrosPerBroadcast.toFixed(0)}us`);
  }
  if (what === "all" || what === "idle") {
    const m = await idleMemory(url, proc.pid, { n: Number(process.env.N ?? 10000) });
    console.log(`idle: ${m.bytesPerConnection.toFixed(0)} B/conn (rss ${m.rssBeforeMiB.toFixed(1)} -> ${m.rssAfterMiB.toFixed(1)} MiB)`);
  }
} finally { proc.kill("SIGTERM"); }
