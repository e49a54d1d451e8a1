import { echoLoad, idleMemory } from "./load.mjs";
const url = process.argv[2]; const pid = Number(process.argv[3]);
const e = await echoLoad(url, pid, { clients: 50, seconds: Number(process.env.SECS ?? 5) });
console.log(JSON.stringify(e));
