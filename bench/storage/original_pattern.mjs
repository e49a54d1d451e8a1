// The original Node backend's storage pattern, as a reference for
// bench/storage/storage_bench.cpp: every file of a directory in turn,
// `await fetch(PUT …)` with its content read as UTF-8 text, then every
// object downloaded one by one (`await res.text()`, written as text). One
// request in flight at a time; Node's fetch keeps the connection alive.
//   node bench/storage/original_pattern.mjs --url U --key K --dir D --bucket B [--prefix P] [--out O]
// Prints one JSON line: files, bytes, seconds, files/s and MB/s (10^6 bytes)
// of each phase. Timing starts after Node has started; nothing is listed or
// deleted (the C++ bench cleans up).
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";

const { values: v } = parseArgs({
  options: {
    url: { type: "string" }, key: { type: "string" }, dir: { type: "string" }, bucket: { type: "string" },
    prefix: { type: "string", default: "original/" }, out: { type: "string" }, help: { type: "boolean", short: "h" },
  },
});
if (v.help || !v.url || !v.key || !v.dir || !v.bucket) {
  console.log("usage: node bench/storage/original_pattern.mjs --url U --key K --dir D --bucket B [--prefix P] [--out O]");
  process.exit(v.help ? 0 : 2);
}

async function walk(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

const headers = { Authorization: `Bearer ${v.key}`, apikey: v.key };
const objectUrl = (key) => `${v.url}/storage/v1/object/${encodeURIComponent(v.bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`;

const files = await walk(v.dir);
const keys = files.map((f) => v.prefix + relative(v.dir, f));
let bytes = 0;

const up0 = performance.now();
for (let i = 0; i < files.length; i++) {
  const text = await readFile(files[i], "utf8");
  const res = await fetch(objectUrl(keys[i]), {
    method: "PUT",
    headers: { ...headers, "Content-Type": "text/plain;charset=UTF-8", "x-upsert": "true" },
    body: text,
  });
  if (!res.ok) throw new Error(`upload ${keys[i]}: HTTP ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  bytes += Buffer.byteLength(text);
}
const upload_s = (performance.now() - up0) / 1000;

const out = v.out ?? join(v.dir, "..", "original-out");
let downloaded = 0;
const down0 = performance.now();
for (let i = 0; i < files.length; i++) {
  const res = await fetch(objectUrl(keys[i]), { headers });
  if (!res.ok) throw new Error(`download ${keys[i]}: HTTP ${res.status} ${await res.text()}`);
  const text = await res.text();
  const target = join(out, relative(v.dir, files[i]));
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text, "utf8");
  downloaded += Buffer.byteLength(text);
}
const download_s = (performance.now() - down0) / 1000;

const n = files.length;
console.log(JSON.stringify({
  node: process.version, files: n, bytes, downloaded_bytes: downloaded,
  upload_s, upload_files_per_s: n / upload_s, upload_mb_per_s: bytes / 1e6 / upload_s,
  download_s, download_files_per_s: n / download_s, download_mb_per_s: downloaded / 1e6 / download_s,
}));
