// Previews through the proxy (preview/): busybox httpd in a project's
// container, whose network stays `none`, is reached at
// <port>-<projectId>.localhost on Berth's own listener, over a connection
// made inside the container's network namespace. Private by default (a
// session link sets the cookie), public at the owner's word, with a page
// and a stable code (X-Berth-Error) for each refusal. Node does not resolve
// *.localhost, so every request sets its Host header itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { connect, createServer } from "node:net";
import { io } from "socket.io-client";
import { JWT_SECRET, signup } from "../lib/berth.mjs";
import { startRuntimeBerth, userWithProject, removeContainers, inspect, until } from "./helpers.mjs";

const IDLE = 3; // BERTH_PREVIEW_IDLE_TIMEOUT for this server, seconds
const MAX_CONNECTIONS = 8; // BERTH_PREVIEW_MAX_CONNECTIONS

let berth, owner, other, viewer, id;
const host = (port, project = id) => `${port}-${project}.localhost:${berth.port}`;

// One request with its own Host header; the body is read whole unless `onResponse` takes it.
function get(hostName, path = "/", { cookie, method = "GET", headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: berth.port, path, method, agent: false,
      headers: { host: hostName, ...(cookie ? { cookie } : {}), ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

// Bytes written as they are, the answer read until the server closes (or `ms` pass).
function raw(bytes, ms = 5000) {
  return new Promise((resolve, reject) => {
    const s = connect(berth.port, "127.0.0.1", () => s.write(bytes));
    let got = "";
    s.on("data", (d) => (got += d));
    s.on("end", () => resolve(got));
    s.on("error", (e) => (e.code === "ECONNRESET" ? resolve(got) : reject(e)));
    setTimeout(() => (s.destroy(), resolve(got)), ms);
  });
}

async function exec(project, command) {
  const r = await project.api.post(`/api/v1/projects/${project.id}/exec`, { command });
  assert.equal(r.json?.exitCode, 0, `${command}: ${JSON.stringify(r.json)}`);
  return r;
}

async function portOpen(project, port) {
  await until(`port ${port} open`, async () =>
    (await project.api.get(`/api/v1/projects/${project.id}/ports`)).json.ports.some((p) => p.port === port), 20000);
}

// Berth's resident memory, bytes.
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${berth.proc.pid}/status`, "utf8"))[1]) * 1024;

// A session cookie for `port`, through the link the editor would open.
async function session(project, port) {
  const made = await project.api.post(`/api/v1/projects/${project.id}/previews/${port}/session`);
  assert.equal(made.status, 200, made.text);
  const url = new URL(made.json.url);
  assert.equal(url.host, host(port, project.id));
  const opened = await get(url.host, url.pathname + url.search + "&next=%2Fhello.html");
  assert.equal(opened.status, 302, opened.body);
  assert.equal(opened.headers.location, "/hello.html");
  const setCookie = opened.headers["set-cookie"][0];
  assert.match(setCookie, /^berth_preview=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
  assert.doesNotMatch(setCookie, /Domain=/i, "the cookie is for the preview's own host alone");
  return setCookie.split(";")[0];
}

// A link signed the way the server signs (api/signed_links), for a lapse time of our choosing.
function forgedLink(projectId, port, userId, expires) {
  const tokenKey = createHmac("sha256", JWT_SECRET).update("berth access token v1").digest();
  const key = createHmac("sha256", tokenKey).update("berth download link v1").digest();
  const fields = ["berth-link-v1", ...[projectId, `preview-link:${port}`, userId, String(expires)].map((f) => `${Buffer.byteLength(f)}:${f}`)].join("\n");
  const sig = createHmac("sha256", key).update(fields).digest("base64url");
  return `/__berth/preview-session?user=${userId}&expires=${expires}&sig=${sig}`;
}

// Reads the request's header lines (to the empty one) into $head.
const READ_HEAD = `head=""
while read -r line; do
  line=$(printf %s "$line" | tr -d "\\r")
  [ -z "$line" ] && break
  head="$head$line
"
done
`;
const APPS = {
  // Answers with the request's header lines as its body.
  "headers.sh": `#!/bin/sh
${READ_HEAD}printf 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' "\${#head}" "$head"
`,
  // One answer on a kept-alive connection, which it then closes after 1 s idle (as Node's servers do after 5 s).
  "keepalive.sh": `#!/bin/sh
${READ_HEAD}printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\none'
sleep 1
`,
  // A body with no length that ends where the app closes (HTTP/1.0 style).
  "until_close.sh": `#!/bin/sh
${READ_HEAD}printf 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nall of it'
`,
  // Reads a request body slowly (64 KiB every 50 ms: about 1.3 MB/s) and never answers.
  "slow_sink.sh": `#!/bin/sh
${READ_HEAD}while [ "$(head -c 65536 | wc -c)" -gt 0 ]; do sleep 0.05; done
`,
  // Accepts and never answers (one process per connection: nc -ll).
  "silent.sh": `#!/bin/sh
exec sleep 3600
`,
  // 100 MB of zeros, as fast as the connection takes them.
  "big.sh": `#!/bin/sh
${READ_HEAD}printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 104857600\\r\\nConnection: close\\r\\n\\r\\n'
exec dd if=/dev/zero bs=1048576 count=100 2>/dev/null
`,
  // A WebSocket handshake (busybox sha1sum, xxd and base64), then every byte back as it came.
  "ws.sh": `#!/bin/sh
key=""
while read -r line; do
  line=$(printf %s "$line" | tr -d "\\r")
  [ -z "$line" ] && break
  case "$line" in Sec-WebSocket-Key:*) key=\${line#*: } ;; esac
done
accept=$(printf %s "\${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11" | sha1sum | cut -d" " -f1 | xxd -r -p | base64)
printf 'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: %s\\r\\n\\r\\n' "$accept"
exec cat
`,
};

before(async () => {
  berth = await startRuntimeBerth({ BERTH_PREVIEW_IDLE_TIMEOUT: String(IDLE), BERTH_PREVIEW_MAX_CONNECTIONS: String(MAX_CONNECTIONS) });
  owner = await userWithProject(berth, "previews");
  other = await userWithProject(berth, "another");
  id = owner.id;
  const v = await signup(berth.url, "viewer");
  await owner.api.put(`/api/v1/projects/${id}/members/${v.user.id}`, { role: "viewer" });
  viewer = { api: v.api, id, token: v.accessToken };
  // The apps: httpd for files; small nc servers (scripts written through
  // the files API, so no shell quoting) for the rest.
  for (const [name, text] of Object.entries(APPS))
    assert.equal((await owner.api.put(`/api/v1/projects/${id}/files/content?path=${name}`, text)).status, 200);
  await exec(owner, [
    "mkdir -p /tmp/www && echo hello-preview > /tmp/www/hello.html && echo index > /tmp/www/index.html",
    "chmod +x /workspace/*.sh && httpd -p 8080 -h /tmp/www",
    "(nc -ll -p 8090 -e /workspace/headers.sh >/dev/null 2>&1 &)",
    "(nc -ll -p 8091 -e /workspace/big.sh >/dev/null 2>&1 &)",
    "(nc -ll -p 8092 -e /workspace/keepalive.sh >/dev/null 2>&1 &)",
    "(nc -ll -p 8094 -e /workspace/until_close.sh >/dev/null 2>&1 &)",
    "(nc -ll -p 8095 -e /workspace/slow_sink.sh >/dev/null 2>&1 &)",
    "(nc -ll -p 8096 -e /workspace/silent.sh >/dev/null 2>&1 &)",
  ].join(" && "));
  await portOpen(owner, 8080);
  await portOpen(owner, 8090);
  await portOpen(owner, 8091);
  await portOpen(owner, 8092);
  await portOpen(owner, 8094);
  await portOpen(owner, 8095);
  await portOpen(owner, 8096);
});
after(async () => {
  if (berth && (berth.proc.exitCode !== null || berth.proc.signalCode !== null)) console.log("berth ended early:\n" + berth?.logs());
  await berth?.stop();
  removeContainers([id, other?.id]);
});

test("a private preview: no session is a 401 page; a session link sets the cookie; the app's files come through", async () => {
  const anonymous = await get(host(8080));
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers["x-berth-error"], "unauthorized");
  assert.match(anonymous.headers["content-type"], /^text\/html/);
  assert.match(anonymous.body, /private/i);

  const cookie = await session(owner, 8080);
  const page = await get(host(8080), "/hello.html", { cookie });
  assert.equal(page.status, 200);
  assert.equal(page.body, "hello-preview\n");
  assert.equal(inspect(`berth-${id}`).HostConfig.NetworkMode, "none");

  // A viewer may open previews too.
  const viewerCookie = await session(viewer, 8080);
  assert.equal((await get(host(8080), "/", { cookie: viewerCookie })).body, "index\n");
});

test("the app sees X-Forwarded-For/Proto/Host and its own cookies, never Berth's session", async () => {
  const cookie = await session(owner, 8080);
  const seen = await get(host(8090), "/", { cookie: `theirs=1; ${cookie.replace("8080", "8090")}; also=2`, headers: { "x-forwarded-for": "203.0.113.9" } });
  assert.equal(seen.status, 401, "a session is for one port");
  const own = await session(owner, 8090);
  const got = await get(host(8090), "/", { cookie: `theirs=1; ${own}; also=2`, headers: { "x-forwarded-for": "203.0.113.9" } });
  assert.equal(got.status, 200, got.body);
  assert.match(got.body, /^X-Forwarded-For: 203\.0\.113\.9, 127\.0\.0\.1$/im);
  assert.match(got.body, /^X-Forwarded-Proto: http$/im);
  assert.match(got.body, new RegExp(`^X-Forwarded-Host: ${host(8090)}$`, "im"));
  assert.match(got.body, /^Cookie: theirs=1; also=2$/im);
  assert.doesNotMatch(got.body, /berth_preview/);
});

test("a kept-alive connection outlives the app's own idle close: the next request goes out on a new one", async () => {
  const cookie = await session(owner, 8092);
  const cookieUntilClose = await session(owner, 8094);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () => new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: berth.port, path: "/", agent, headers: { host: host(8092), cookie } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body, reused: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end();
  });
  try {
    // A body the app ends by closing reaches a kept-alive client whole, and
    // that connection then ends too (nothing else could tell it the end).
    const untilClose = await new Promise((resolve, reject) => {
      request({ host: "127.0.0.1", port: berth.port, path: "/", agent, headers: { host: host(8094), cookie: cookieUntilClose } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      }).on("error", reject).end();
    });
    assert.deepEqual(untilClose, { status: 200, body: "all of it" });
    assert.deepEqual(await once(), { status: 200, body: "one", reused: false });
    await new Promise((r) => setTimeout(r, 2500)); // the app has closed its side by now
    assert.deepEqual(await once(), { status: 200, body: "one", reused: true });
  } finally {
    agent.destroy();
  }
});

test("links that are not this preview's are refused: another project's, an altered one, a lapsed one", async () => {
  const mine = await owner.api.post(`/api/v1/projects/${id}/previews/8080/session`);
  const { pathname, search } = new URL(mine.json.url);
  // The same link on another project's host, or another port's.
  const elsewhere = await get(host(8080, other.id), pathname + search);
  assert.equal(elsewhere.status, 404);
  assert.equal(elsewhere.headers["x-berth-error"], "not_found");
  assert.equal((await get(host(8081), pathname + search)).status, 404);
  assert.equal((await get(host(8080), pathname + search.replace(/expires=\d+/, (m) => m + "1"))).status, 404);

  const now = Math.floor(Date.now() / 1000);
  const valid = await get(host(8080), forgedLink(id, 8080, owner.user.user.id, now + 60));
  assert.equal(valid.status, 302, "a link signed as the server signs opens: the lapsed one below differs only in time");
  const lapsed = await get(host(8080), forgedLink(id, 8080, owner.user.user.id, now - 1));
  assert.equal(lapsed.status, 401);
  assert.match(lapsed.body, /expired/);

  // A stranger cannot ask for a link at all.
  assert.equal((await other.api.post(`/api/v1/projects/${id}/previews/8080/session`)).status, 404);
  assert.equal((await owner.api.post(`/api/v1/projects/${id}/previews/0/session`)).status, 400);
});

test("the owner makes a port public and private again; nobody else may; members' sockets hear of it", async () => {
  const socket = io(berth.url, { auth: (cb) => cb({ token: viewer.token, projectId: id }), transports: ["websocket"], reconnection: false, forceNew: true });
  const heard = [];
  socket.on("port:opened", (p) => heard.push(p));
  await new Promise((resolve, reject) => (socket.once("project:status", resolve), socket.once("connect_error", reject)));
  assert.equal((await viewer.api.put(`/api/v1/projects/${id}/previews/8080`, { public: true })).status, 403);
  const made = await owner.api.put(`/api/v1/projects/${id}/previews/8080`, { public: true });
  assert.equal(made.status, 200, made.text);
  assert.equal(made.json.public, true);
  await until("port:opened with public: true", () => heard.some((p) => p.port === 8080 && p.public === true));
  socket.close();
  assert.equal((await get(host(8080), "/hello.html")).body, "hello-preview\n");
  const listed = await owner.api.get(`/api/v1/projects/${id}/ports`);
  assert.equal(listed.json.ports.find((p) => p.port === 8080).public, true);
  assert.equal((await owner.api.put(`/api/v1/projects/${id}/previews/8080`, { public: "yes" })).status, 400);
  await owner.api.put(`/api/v1/projects/${id}/previews/8080`, { public: false });
  assert.equal((await get(host(8080), "/hello.html")).status, 401);
});

test("a port open only on the host's loopback is a 502: the connection is made inside the container", async () => {
  const hostOnly = createServer((s) => s.end("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhost")).listen(0, "127.0.0.1");
  await new Promise((r) => hostOnly.once("listening", r));
  try {
    const port = hostOnly.address().port;
    const cookie = await session(owner, port);  // the link is Berth's to answer: no app needed
    const r = await get(host(port), "/", { cookie });
    assert.equal(r.status, 502);
    assert.equal(r.headers["x-berth-error"], "port_closed");
    assert.match(r.body, new RegExp(`port ${port}`));
  } finally {
    hostOnly.close();
  }
});

test("hosts that name no preview, and malformed or smuggling requests, get clear answers; the proxy keeps serving", async () => {
  for (const name of [`foo.localhost:${berth.port}`, `99999-${id}.localhost:${berth.port}`, `8080-not-a-uuid.localhost:${berth.port}`]) {
    const r = await get(name);
    assert.equal(r.status, 404, name);
    assert.equal(r.headers["x-berth-error"], "not_found");
  }
  const h = host(8080);
  const both = await raw(`POST / HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
  assert.match(both, /^HTTP\/1\.1 400 /);
  const twoLengths = await raw(`POST / HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello`);
  assert.match(twoLengths, /^HTTP\/1\.1 400 /);
  // Obsolete line folding is unfolded (RFC 9112 §5.2): the app sees one line.
  await owner.api.put(`/api/v1/projects/${id}/previews/8090`, { public: true });
  const folded = await raw(`GET / HTTP/1.1\r\nHost: ${host(8090)}\r\nX-Long: a\r\n b\r\n\r\n`);
  assert.match(folded, /^HTTP\/1\.1 200 /);
  assert.match(folded, /\r\n\r\n(.*\n)*X-Long: a +b\n/i);
  await owner.api.put(`/api/v1/projects/${id}/previews/8090`, { public: false });
  const huge = await raw(`GET / HTTP/1.1\r\nHost: ${h}\r\n` + `X-Big: ${"a".repeat(20000)}\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431 /);
  // The same on a kept-alive connection's second request, which the proxy's own parser reads.
  const kept = await session(owner, 8090);
  const second = await raw(`GET / HTTP/1.1\r\nHost: ${host(8090)}\r\nCookie: ${kept}\r\n\r\n` +
    `POST / HTTP/1.1\r\nHost: ${host(8090)}\r\nCookie: ${kept}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
  assert.match(second, /^HTTP\/1\.1 200 /);
  // Connection is hop by hop: the app closes after each answer, Berth's connection to the client stays.
  assert.doesNotMatch(second.slice(0, second.indexOf("\r\n\r\n")), /Connection: close/i);
  assert.match(second, /\nHTTP\/1\.1 400 [^]*X-Berth-Error: bad_request/);
  const secondHuge = await raw(`GET / HTTP/1.1\r\nHost: ${host(8090)}\r\nCookie: ${kept}\r\n\r\n` +
    `GET / HTTP/1.1\r\nHost: ${host(8090)}\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`);
  assert.match(secondHuge, /\nHTTP\/1\.1 431 [^]*X-Berth-Error: too_large/);
  const cookie = await session(owner, 8080);
  assert.equal((await get(h, "/hello.html", { cookie })).status, 200);
  assert.equal((await fetch(berth.url + "/healthz")).status, 200);
});

test("an app that never answers is a 504 after the idle timeout; one that sends garbage is a 502", async () => {
  await exec(owner, "(sleep 3600 | nc -l -p 7000 >/dev/null &) && (while true; do echo not-http | nc -l -p 7001 >/dev/null; done &)");
  await portOpen(owner, 7000);
  await portOpen(owner, 7001);
  await owner.api.put(`/api/v1/projects/${id}/previews/7000`, { public: true });
  await owner.api.put(`/api/v1/projects/${id}/previews/7001`, { public: true });
  const started = Date.now();
  const silent = await get(host(7000));
  assert.equal(silent.status, 504);
  assert.equal(silent.headers["x-berth-error"], "timeout");
  assert.ok(Date.now() - started >= (IDLE - 1) * 1000, "it waited for the idle timeout");
  const garbage = await get(host(7001));
  assert.equal(garbage.status, 502);
  assert.equal(garbage.headers["x-berth-error"], "bad_gateway");
});

test("a large download read slowly streams through with bounded Berth memory", async () => {
  const cookie = await session(owner, 8091);
  const before = rss();
  let peak = before;
  let received = 0;
  await new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: berth.port, path: "/", agent: false,
      headers: { host: host(8091), cookie } }, (res) => {
      assert.equal(res.statusCode, 200);
      // ≤ 1 MB/s: 64 KiB every 70 ms, for 8 s. The app could send all 100 MB
      // in well under a second; only backpressure keeps it out of Berth.
      res.pause();
      const until = Date.now() + 8000;
      const tick = setInterval(() => {
        peak = Math.max(peak, rss());
        let chunk;
        while (res.readableLength < 64 << 10 && (chunk = res.read()) !== null) received += chunk.length;
        if ((chunk = res.read(Math.min(64 << 10, res.readableLength || 1))) !== null) received += chunk.length;
        if (Date.now() > until) {
          clearInterval(tick);
          req.destroy();
          resolve();
        }
      }, 70);
    });
    req.on("error", (e) => (e.code === "ECONNRESET" ? resolve() : reject(e)));
    req.end();
  });
  assert.ok(received > 1 << 20, `some of it arrived (${received} bytes)`);
  assert.ok(received < 100 << 20, "and not all of it: the reader was slow");
  assert.ok(peak - before < 32 << 20, `Berth's RSS grew by ${((peak - before) / 1048576).toFixed(1)} MB`);
  // Berth still serves previews afterwards.
  assert.equal((await get(host(8080), "/hello.html", { cookie: await session(owner, 8080) })).status, 200);
});

test("a large upload to a slow app streams through with bounded Berth memory", async () => {
  const cookie = await session(owner, 8095);
  const before = rss();
  let peak = before;
  let sent = 0;
  await new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port: berth.port, path: "/upload", method: "POST", agent: false,
      headers: { host: host(8095), cookie, "content-length": String(100 << 20) } });
    req.on("error", () => resolve());
    const piece = Buffer.alloc(64 << 10, 97);
    const until = Date.now() + 6000;
    // As fast as the connection takes it: only backpressure from the app keeps it out of Berth.
    const pump = () => {
      while (Date.now() < until && sent < 100 << 20) {
        sent += piece.length;
        if (!req.write(piece)) return req.once("drain", pump);
      }
      req.destroy();
      resolve();
    };
    const watch = setInterval(() => (peak = Math.max(peak, rss())), 50);
    req.once("close", () => clearInterval(watch));
    pump();
  });
  assert.ok(sent > 1 << 20, `some of it went (${sent} bytes)`);
  assert.ok(sent < 100 << 20, `and not all of it: the app was slow (${sent} bytes)`);
  assert.ok(peak - before < 32 << 20, `Berth's RSS grew by ${((peak - before) / 1048576).toFixed(1)} MB`);
});

test("every path goes to the app on a preview host, /api/v1/ and /socket.io/ included", async () => {
  const cookie = await session(owner, 8080);
  for (const path of ["/api/v1/projects", "/socket.io/?EIO=4&transport=polling", "/healthz"]) {
    const r = await get(host(8080), path, { cookie });
    assert.equal(r.status, 404, path);
    assert.match(r.body, /404 Not Found/, `${path}: httpd's own page`);
    assert.equal(r.headers["x-berth-error"], undefined);
  }
});

test(`past ${MAX_CONNECTIONS} connections to one project's previews a new one gets a 503 page; they free up again`, async () => {
  // The other project, whose previews nothing else here uses (the bound is per project).
  assert.equal((await other.api.put(`/api/v1/projects/${other.id}/files/content?path=silent.sh`, APPS["silent.sh"])).status, 200);
  await exec(other, "chmod +x /workspace/silent.sh && (nc -ll -p 8096 -e /workspace/silent.sh >/dev/null 2>&1 &)");
  await portOpen(other, 8096);
  await other.api.put(`/api/v1/projects/${other.id}/previews/8096`, { public: true });
  const silent = host(8096, other.id);
  const held = Array.from({ length: MAX_CONNECTIONS }, () => raw(`GET / HTTP/1.1\r\nHost: ${silent}\r\n\r\n`, (IDLE + 3) * 1000));
  await new Promise((r) => setTimeout(r, 1000));
  const refused = await get(silent);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers["x-berth-error"], "limit_reached");
  assert.match(refused.body, /BERTH_PREVIEW_MAX_CONNECTIONS/);
  // Another project's previews are not held up by it.
  assert.equal((await get(host(8080), "/hello.html", { cookie: await session(owner, 8080) })).status, 200);
  const answers = await Promise.all(held); // the app never answers: each ends in a 504 after the idle timeout
  for (const a of answers) assert.match(a, /^HTTP\/1\.1 504 /);
  await until("a slot again", async () => (await get(silent)).status === 504, 20000);
});

test("a WebSocket upgrade is passed through: the app's handshake answer and frames both ways", async () => {
  await exec(owner, "(nc -ll -p 9000 -e /workspace/ws.sh >/dev/null 2>&1 &)");
  await portOpen(owner, 9000);
  const cookie = await session(owner, 9000);
  const key = randomBytes(16).toString("base64");
  const expected = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  const frame = Buffer.from([0x81, 0x85, 1, 2, 3, 4, ..."hello".split("").map((c, i) => c.charCodeAt(0) ^ [1, 2, 3, 4][i % 4])]);
  const s = connect(berth.port, "127.0.0.1");
  let got = Buffer.alloc(0);
  s.on("data", (d) => (got = Buffer.concat([got, d])));
  s.write(`GET /ws HTTP/1.1\r\nHost: ${host(9000)}\r\nCookie: ${cookie}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`);
  try {
    await until("the 101", () => got.includes("\r\n\r\n"), 10000);
    const head = got.subarray(0, got.indexOf("\r\n\r\n")).toString();
    assert.match(head, /^HTTP\/1\.1 101 /);
    assert.match(head, new RegExp(`Sec-WebSocket-Accept: ${expected.replace(/[+/]/g, "\\$&")}`, "i"));
    got = got.subarray(got.indexOf("\r\n\r\n") + 4);
    s.write(frame);
    await until("the frame back", () => got.length >= frame.length, 10000);
    assert.deepEqual(got.subarray(0, frame.length), frame);
  } finally {
    s.destroy();
  }
});

test("a server that stops is port:closed and its URL a 502; a stopped project is a 503", async () => {
  const cookie = await session(owner, 8080);
  await exec(owner, "killall httpd");
  await until("8080 closed", async () => !(await owner.api.get(`/api/v1/projects/${id}/ports`)).json.ports.some((p) => p.port === 8080));
  const closed = await get(host(8080), "/hello.html", { cookie });
  assert.equal(closed.status, 502);
  assert.equal(closed.headers["x-berth-error"], "port_closed");
  await owner.api.post(`/api/v1/projects/${id}/stop`);
  await until("stopped", async () => (await get(host(8080), "/", { cookie })).status === 503, 30000);
  const stopped = await get(host(8080), "/", { cookie });
  assert.equal(stopped.headers["x-berth-error"], "not_running");
  assert.match(stopped.body, /not running/);
});
