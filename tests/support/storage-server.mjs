#!/usr/bin/env node
// A test stand-in for the Supabase Storage server (which cannot be installed
// here), following supabase/storage v1.70.6's wire behaviour: the routes
// under /storage/v1, its error envelope, key rules and listing semantics,
// plus fault injection under /__control. Import startStorageServer() from
// Node tests, or run this file as a CLI from other tests (see --help and
// storage-server/README.md).
import { readFileSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startStorageServer } from "./storage-server/index.mjs";

export { startStorageServer };

const HELP = `usage: node tests/support/storage-server.mjs --key KEY [options]

Serves a Supabase Storage stand-in on loopback and prints one JSON line
{"url":"http://127.0.0.1:PORT","port":PORT} on stdout once it listens.

  --key KEY               the valid service-role key (Authorization: Bearer KEY); required
  --anon-key KEY          a second key with the anon role (sees nothing, may write nothing)
  --port N                port to listen on (default 0: any free port)
  --host HOST             loopback address to listen on (default 127.0.0.1)
  --max-upload-bytes N    upload limit (default 52428800, 50 MiB)
  --latency-ms N          latency added to every Storage request (default 0)
  --tls-cert FILE         serve HTTPS with this PEM certificate (chain) ...
  --tls-key FILE          ... and this PEM private key
  --data-dir DIR          keep buckets and objects in DIR (default: in memory)
  --bucket NAME           create this private bucket at start (repeatable)
  --exit-on-stdin-eof     exit when stdin closes (the parent went away)
  -h, --help              this text

Signals: SIGTERM/SIGINT close and exit 0; SIGUSR1 stops listening (an
outage: connections refused, open ones cut); SIGUSR2 listens again on the
same port. Test control over HTTP (no auth), outside /storage/v1:
  GET /__control/stats, POST /__control/stats/reset,
  POST|PUT /__control/faults (a fault or an array; replaces the list),
  DELETE /__control/faults, POST /__control/reset (wipe data, faults, stats),
  POST /__control/outage {"ms":N} (stop now, listen again after N ms).`;

const int = (v, name) => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`--${name} needs a non-negative integer, not ${v}`);
  return Number(v);
};

async function main(argv) {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      key: { type: "string" }, "anon-key": { type: "string" }, port: { type: "string" }, host: { type: "string" },
      "max-upload-bytes": { type: "string" }, "latency-ms": { type: "string" },
      "tls-cert": { type: "string" }, "tls-key": { type: "string" }, "data-dir": { type: "string" },
      bucket: { type: "string", multiple: true }, "exit-on-stdin-eof": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) return void process.stdout.write(HELP + "\n");
  if (!v.key) throw new Error("--key is required (see --help)");
  if (!v["tls-cert"] !== !v["tls-key"]) throw new Error("--tls-cert and --tls-key go together");
  const server = await startStorageServer({
    serviceKey: v.key, anonKey: v["anon-key"], port: int(v.port, "port"), host: v.host,
    maxUploadBytes: int(v["max-upload-bytes"], "max-upload-bytes"), latencyMs: int(v["latency-ms"], "latency-ms"),
    dataDir: v["data-dir"], buckets: v.bucket,
    tls: v["tls-cert"] ? { cert: readFileSync(v["tls-cert"]), key: readFileSync(v["tls-key"]) } : undefined,
  });
  process.stdout.write(JSON.stringify({ url: server.url, port: server.port }) + "\n");
  // Signal handlers do not keep Node alive: without this an outage (SIGUSR1)
  // would let the process exit.
  const alive = setInterval(() => {}, 1 << 30);
  const quit = () => server.close().then(() => {
    clearInterval(alive);
    process.exit(0);
  });
  process.on("SIGTERM", quit);
  process.on("SIGINT", quit);
  process.on("SIGUSR1", () => server.stop());
  process.on("SIGUSR2", () => server.resume().catch((e) => console.error(`storage-server: ${e.message}`)));
  if (v["exit-on-stdin-eof"]) {
    process.stdin.on("end", quit).on("error", quit).resume();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`storage-server: ${e.message}`);
    process.exit(2);
  });
}
