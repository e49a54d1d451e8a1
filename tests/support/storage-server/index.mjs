// startStorageServer(): the HTTP(S) side of the Supabase Storage stand-in —
// authentication, body reading, fault injection, statistics, outages, and
// the /__control test API. The Storage routes themselves are in routes.mjs.
import http from "node:http";
import https from "node:https";
import { StorageError, errors, routeNotFound } from "./errors.mjs";
import { Faults, applyFault, resetSocket } from "./faults.mjs";
import { matchRoute } from "./routes.mjs";
import { Store } from "./store.mjs";

const PREFIX = "/storage/v1";
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const ABORTED = Symbol("client went away mid-body");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Resolves with the complete body, or rejects: EntityTooLarge as soon as the
// limit is passed (the rest is read and dropped, so the client can finish
// sending and read the answer), ABORTED if the client vanished mid-body.
// Nothing is stored before the body is complete.
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"]) > limit) return reject(errors.entityTooLarge());
    if (req.destroyed && !req.complete) return reject(ABORTED);
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      if (size > limit) return;
      size += c.length;
      if (size > limit) reject(errors.entityTooLarge());
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("close", () => req.complete || reject(ABORTED));
    req.on("error", () => {});
  });
}

async function readJson(req) {
  const text = (await readBody(req, 1 << 20)).toString("utf8");
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw errors.invalidRequest(text ? "Body is not valid JSON" : "body must be object");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw errors.invalidRequest("body must be object");
  return body;
}

function freshStats() {
  return { requests: 0, routes: {}, faults: 0, connections: 0, peakConnections: 0, totalConnections: 0, inFlight: 0, peakInFlight: 0 };
}

export async function startStorageServer(options = {}) {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const opts = { host: "127.0.0.1", port: 0, maxUploadBytes: 50 << 20, latencyMs: 0, anonKey: null, ...given };
  if (!opts.serviceKey) throw new Error("serviceKey is required");
  if (opts.anonKey === opts.serviceKey) throw new Error("anonKey must differ from serviceKey");
  // A server that takes a made-up key must not be reachable from elsewhere.
  if (!LOOPBACK.test(opts.host)) throw new Error(`host must be a loopback address, not ${opts.host}`);

  const store = new Store(opts.dataDir);
  for (const name of opts.buckets ?? []) if (!store.bucket(name)) store.createBucket({ name });
  const faults = new Faults();
  const stats = freshStats();
  const sockets = new Set();
  let listening = false;
  let closed = false;
  let outageTimer = null;

  function resetStats() {
    Object.assign(stats, freshStats(), {
      connections: stats.connections, peakConnections: stats.connections,
      inFlight: stats.inFlight, peakInFlight: stats.inFlight,
    });
  }

  function authenticate(header) {
    // The real server requires the header by schema (apikey alone is not
    // enough), then takes whatever follows the first 7 characters as the JWT.
    if (header === undefined) throw errors.invalidRequest("headers must have required property 'authorization'");
    const token = header.slice("Bearer ".length);
    if (token === opts.serviceKey) return "service";
    if (opts.anonKey && token === opts.anonKey) return "anon";
    throw errors.accessDenied("invalid signature");
  }

  function send(ctx, status, headers = {}, body) {
    const { req, res } = ctx;
    if (res.headersSent || res.destroyed) return;
    let buf = Buffer.alloc(0);
    if (Buffer.isBuffer(body)) buf = body;
    else if (body !== undefined) {
      buf = Buffer.from(JSON.stringify(body));
      headers = { "content-type": "application/json; charset=utf-8", ...headers };
    }
    // HEAD errors carry no body at all; a HEAD success announces the size.
    if (ctx.head && status >= 400) headers = { "content-length": 0 };
    if (status !== 304 && !("content-length" in headers)) headers["content-length"] = buf.length;
    res.writeHead(status, headers);
    if (ctx.fault?.kind === "reset") {
      res.flushHeaders();
      const part = ctx.head ? buf.subarray(0, 0) : buf.subarray(0, ctx.fault.afterBytes ?? Math.floor(buf.length / 2));
      if (part.length) res.write(part);
      // A moment for the bytes to reach the client before the RST.
      setTimeout(() => resetSocket(req.socket), 20);
      return;
    }
    res.end(ctx.head || status === 304 ? undefined : buf);
  }

  async function handle(req, res) {
    const path = req.url.split("?")[0];
    if (path === "/__control" || path.startsWith("/__control/")) return control(req, res, path);
    stats.requests += 1;
    stats.inFlight += 1;
    stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
    res.on("close", () => (stats.inFlight -= 1));
    const below = path.startsWith(PREFIX + "/") ? path.slice(PREFIX.length) : null;
    const match = below === null ? null : matchRoute(req.method, below);
    const name = match?.route.template ?? "unmatched";
    stats.routes[name] = (stats.routes[name] ?? 0) + 1;
    if (opts.latencyMs) await sleep(opts.latencyMs);

    const fault = faults.take(req.method, path);
    if (fault) {
      stats.faults += 1;
      if (await applyFault(fault, req, res)) return;
    }
    const ctx = { req, res, fault, head: req.method === "HEAD" };
    if (!match) return send(ctx, 404, {}, routeNotFound(req.method, below === null ? req.url : req.url.slice(PREFIX.length)));
    try {
      ctx.role = authenticate(req.headers.authorization);
      Object.assign(ctx, { params: match.params, store, options: opts, json: () => readJson(req), readBody: (n) => readBody(req, n) });
      const r = await match.route.handler(ctx);
      send(ctx, r.status, r.headers, r.body);
    } catch (e) {
      if (e === ABORTED) return;
      if (!(e instanceof StorageError)) {
        console.error("storage stand-in:", e);
        e = new StorageError(500, "InternalError", "Internal server error", "Internal");
      }
      send(ctx, e.httpStatus, {}, e.body);
    }
  }

  // The test-control API (no authentication; the server is loopback-only).
  async function control(req, res, path) {
    const reply = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    const route = `${req.method} ${path}`;
    try {
      const body = ["POST", "PUT"].includes(req.method) ? (await readBody(req, 1 << 20)).toString() : "";
      const json = body ? JSON.parse(body) : null;
      switch (route) {
        case "GET /__control/stats":
          return reply(200, stats);
        case "POST /__control/stats/reset":
          resetStats();
          return reply(200, stats);
        case "POST /__control/faults":
        case "PUT /__control/faults":
        case "DELETE /__control/faults":
          faults.set(req.method === "DELETE" ? null : json);
          return reply(200, { faults: faults.list.length });
        case "POST /__control/reset":
          store.reset();
          faults.set(null);
          resetStats();
          return reply(200, { ok: true });
        case "POST /__control/outage": {
          const ms = Number(json?.ms ?? 1000);
          res.on("finish", () => setImmediate(async () => {
            await handleApi.stop();
            outageTimer = setTimeout(() => handleApi.resume().catch((e) => console.error("storage stand-in:", e)), ms);
          }));
          return reply(200, { ms });
        }
        default:
          return reply(404, { error: `no control route ${route}` });
      }
    } catch (e) {
      if (e !== ABORTED) reply(400, { error: String(e?.message ?? e) });
    }
  }

  const onRequest = (req, res) =>
    handle(req, res).catch((e) => {
      console.error("storage stand-in:", e);
      res.destroy();
    });
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : http.createServer(onRequest);
  server.on("connection", (s) => {
    sockets.add(s);
    stats.totalConnections += 1;
    stats.connections += 1;
    stats.peakConnections = Math.max(stats.peakConnections, stats.connections);
    s.on("close", () => {
      sockets.delete(s);
      stats.connections -= 1;
    });
  });

  let port = opts.port;
  const listen = () =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, opts.host, () => {
        server.off("error", reject);
        port = server.address().port;
        listening = true;
        resolve();
      });
    });
  await listen();

  const urlHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const handleApi = {
    url: `${opts.tls ? "https" : "http"}://${urlHost}:${port}`,
    port,
    stats,
    store,
    setFaults: (f) => faults.set(f),
    resetStats,
    // An outage: the port refuses connections, and open ones (hung ones too)
    // are cut, as when the real server goes down. The port is kept for resume().
    async stop() {
      if (!listening) return;
      listening = false;
      const done = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await done;
    },
    async resume() {
      clearTimeout(outageTimer);
      if (!listening && !closed) await listen();
    },
    async close() {
      closed = true;
      clearTimeout(outageTimer);
      await handleApi.stop();
    },
  };
  return handleApi;
}
