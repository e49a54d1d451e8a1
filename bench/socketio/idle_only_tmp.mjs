import { io } from "socket.io-client";
const url = process.argv[2]; const n = Number(process.argv[3] ?? 1000);
const one = () => new Promise((res, rej) => { const s = io(url, { transports: ["websocket"], reconnection: false, forceNew: true }); s.once("connect", () => res(s)); s.once("connect_error", rej); });
const socks = [];
for (let i = 0; i < n; i += 200) socks.push(...await Promise.all(Array.from({ length: Math.min(200, n - i) }, one)));
console.log("connected", socks.length);
await new Promise((r) => setTimeout(r, Number(process.env.HOLD ?? 3000)));
socks.forEach((s) => s.disconnect());
