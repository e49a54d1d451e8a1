import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { echoLoad } from "/work/main/bench/socketio/load.mjs";
const port = 40000 + Math.floor(Math.random() * 10000);
const proc = spawn(process.execPath, ["/work/main/bench/socketio/reference_server.mjs", String(port)], { stdio: ["ignore", "ignore", "inherit"] });
const url = `http://127.0.0.1:${port}`;
for (let i = 0; i < 200; i++) { try { await fetch(`${url}/socket.io/?EIO=4&transport=polling`); break; } catch { await new Promise((r) => setTimeout(r, 50)); } }
const st = () => { const s = readFileSync(`/proc/${proc.pid}/stat`, "utf8"); const f = s.slice(s.lastIndexOf(")") + 2).split(" "); return [Number(f[11]) * 1e4, Number(f[12]) * 1e4]; };
const a = st();
const e = await echoLoad(url, proc.pid, { clients: 50, seconds: 5 });
const b = st();
console.log(`node echo: ${e.callsPerSecond.toFixed(0)}/s cpu/call ${e.cpuMicrosPerCall.toFixed(2)}us user ${((b[0]-a[0])/e.calls).toFixed(2)} sys ${((b[1]-a[1])/e.calls).toFixed(2)}`);
proc.kill();
