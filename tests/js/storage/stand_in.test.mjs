// Pins the Supabase Storage stand-in (tests/support/storage-server.mjs) to the
// real server's wire behaviour (supabase/storage v1.70.6) with raw HTTP only,
// over HTTP and over HTTPS with a throwaway CA made here with openssl; then
// checks its fault injection, TLS verification, data dir and CLI. The C++
// Storage client is tested against this stand-in, so a stand-in that drifted
// from the real server would hide client bugs.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { spawn, execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStorageServer } from "../../support/storage-server.mjs";

const SERVICE = "service-role-key-" + randomBytes(8).toString("hex");
const ANON = "anon-key-" + randomBytes(8).toString("hex");
const CLI = new URL("../../support/storage-server.mjs", import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const md5 = (b) => createHash("md5").update(b).digest("hex");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Polls (for what happens in another process or after a timer), up to ~5 s.
async function until(what, ok) {
  for (let i = 0; i < 250; i++) {
    if (await ok()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}

// ---- a throwaway PKI: a CA, a cert for 127.0.0.1/localhost, one for another name
const dir = mkdtempSync(join(tmpdir(), "storage-stand-in-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const pem = (f) => join(dir, f);
const openssl = (...args) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
openssl("req", "-x509", ...EC, "-keyout", pem("ca.key"), "-out", pem("ca.pem"), "-days", "1", "-subj", "/CN=stand-in test CA",
  "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
function leaf(name, san) {
  openssl("req", "-new", ...EC, "-keyout", pem(`${name}.key`), "-out", pem(`${name}.csr`), "-subj", `/CN=${name}`);
  writeFileSync(pem(`${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl("x509", "-req", "-in", pem(`${name}.csr`), "-CA", pem("ca.pem"), "-CAkey", pem("ca.key"), "-days", "1",
    "-set_serial", "0x" + randomBytes(8).toString("hex"), "-extfile", pem(`${name}.ext`), "-out", pem(`${name}.pem`));
  return { key: readFileSync(pem(`${name}.key`)), cert: readFileSync(pem(`${name}.pem`)) };
}
const CA = readFileSync(pem("ca.pem"));
const SERVER_TLS = leaf("server", "IP:127.0.0.1,DNS:localhost");
const WRONG_TLS = leaf("wrong", "DNS:wrong.example");

// ---- raw HTTP. Paths are sent exactly as written (no URL normalisation).
function client(base, tlsOptions = { ca: CA }) {
  const u = new URL(base);
  const mod = u.protocol === "https:" ? https : http;
  return (method, path, { key = SERVICE, headers = {}, body, json, chunks, agent = false, timeout } = {}) =>
    new Promise((resolve, reject) => {
      const h = { ...headers };
      if (key !== null) h.authorization = `Bearer ${key}`;
      if (json !== undefined) [body, h["content-type"]] = [JSON.stringify(json), "application/json"];
      if (typeof body === "string") body = Buffer.from(body);
      if (body && !chunks) h["content-length"] = body.length;
      const full = path.startsWith("/__control") ? path : "/storage/v1" + path;
      const req = mod.request({ host: u.hostname, port: u.port, method, path: full, headers: h, agent, timeout, ...tlsOptions }, (res) => {
        const parts = [];
        res.on("data", (d) => parts.push(d));
        res.on("error", reject);
        res.on("end", () => {
          const buf = Buffer.concat(parts);
          let parsed;
          try { parsed = JSON.parse(buf.toString()); } catch {}
          resolve({ status: res.statusCode, headers: res.headers, body: buf, text: buf.toString(), json: parsed });
        });
      });
      req.on("error", reject);
      req.on("timeout", () => req.destroy(Object.assign(new Error("client timeout"), { code: "CLIENT_TIMEOUT" })));
      for (const c of chunks ?? []) req.write(c);
      req.end(chunks ? undefined : body);
    });
}

// The Storage error envelope: HTTP 400 (500 for "500"), the real status as a string.
function assertError(r, status, code) {
  assert.equal(r.status, status === 500 ? 500 : 400, r.text);
  assert.equal(r.json?.statusCode, String(status), r.text);
  if (code) assert.equal(r.json.code, code, r.text);
}

async function rawSocket(url) {
  const u = new URL(url);
  const s = u.protocol === "https:" ? tls.connect({ host: u.hostname, port: u.port, ca: CA }) : net.connect(u.port, u.hostname);
  await once(s, u.protocol === "https:" ? "secureConnect" : "connect");
  return s;
}

// A client that dies mid-body: RST on TCP; on TLS the closest is a hard close.
async function dieMidUpload(url, head, part) {
  const s = await rawSocket(url);
  s.write(head);
  s.write(part);
  await sleep(50);
  if (s instanceof tls.TLSSocket) s.destroy();
  else s.resetAndDestroy();
  await sleep(50);
}

for (const scheme of ["http", "https"]) {
  describe(`stand-in over ${scheme}`, () => {
    let server, call;
    const opts = { serviceKey: SERVICE, anonKey: ANON, maxUploadBytes: 1 << 20, ...(scheme === "https" ? { tls: SERVER_TLS } : {}) };
    const put = (key, body, headers = {}) => call("PUT", `/object/b/${key}`, { body, headers });
    before(async () => {
      server = await startStorageServer(opts);
      call = client(server.url);
      assert.equal((await call("POST", "/bucket", { json: { name: "b", public: false } })).status, 200);
    });
    after(() => server.close());

    test("auth: a Bearer service key is required; wrong keys 403 AccessDenied; anon sees and writes nothing; unknown routes 404", async () => {
      await put("auth.txt", "secret");
      for (const headers of [{}, { apikey: SERVICE }]) {
        const r = await call("GET", "/object/b/auth.txt", { key: null, headers });
        assertError(r, 400, "InvalidRequest");
        assert.equal(r.json.error, "InvalidRequest");
      }
      const wrong = await call("GET", "/object/b/auth.txt", { key: "not-the-key" });
      assertError(wrong, 403, "AccessDenied");
      assert.equal(wrong.json.message, "invalid signature");
      assertError(await call("GET", "/object/b/auth.txt", { key: ANON }), 404, "NoSuchKey");
      const list = await call("POST", "/object/list/b", { key: ANON, json: { prefix: "" } });
      assert.equal(list.status, 200);
      assert.deepEqual(list.json, []);
      assertError(await call("POST", "/object/b/anon.txt", { key: ANON, body: "x" }), 403, "AccessDenied");
      for (const key of [SERVICE, null]) {
        const r = await call("GET", "/x", { key });
        assert.equal(r.status, 404);
        assert.deepEqual(r.json, { statusCode: 404, error: "Not Found", message: "Route GET:/x not found" });
      }
    });

    test("upload: POST creates (409 unless x-upsert), PUT overwrites or creates, content type kept, size limits, chunked, no partial objects", async () => {
      const r = await call("POST", "/object/b/up/new.txt", { body: "one", headers: { "content-type": "text/plain" } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.Key, "b/up/new.txt");
      assert.match(r.json.Id, UUID);
      assertError(await call("POST", "/object/b/up/new.txt", { body: "two" }), 409, "KeyAlreadyExists");
      const upsert = await call("POST", "/object/b/up/new.txt", { body: "three", headers: { "x-upsert": "true" } });
      assert.equal(upsert.status, 200);
      assert.equal((await call("GET", "/object/b/up/new.txt")).text, "three");
      assert.equal((await put("up/new.txt", "four")).status, 200);
      assert.equal((await call("GET", "/object/b/up/new.txt")).text, "four");
      assert.equal((await put("up/created-by-put", "five")).status, 200);
      assert.equal((await call("GET", "/object/b/up/created-by-put")).headers["content-type"], "application/octet-stream");
      await put("up/typed.json", "{}", { "content-type": "application/json" });
      assert.equal((await call("GET", "/object/b/up/typed.json")).headers["content-type"], "application/json");
      assertError(await call("POST", "/object/nobucket/x", { body: "x" }), 404, "NoSuchBucket");

      assertError(await put("up/big", Buffer.alloc((1 << 20) + 1)), 413, "EntityTooLarge");
      assert.equal((await put("up/limit", Buffer.alloc(1 << 20))).status, 200);
      await call("POST", "/bucket", { json: { name: "small", file_size_limit: 10 } });
      assertError(await call("PUT", "/object/small/k", { body: "12345678901" }), 413, "EntityTooLarge");
      assert.equal((await call("PUT", "/object/small/k", { body: "1234567890" })).status, 200);

      const chunks = [Buffer.from("chunked "), Buffer.from("body "), Buffer.from("works")];
      assert.equal((await call("PUT", "/object/b/up/chunked", { body: true, chunks })).status, 200);
      assert.equal((await call("GET", "/object/b/up/chunked")).text, "chunked body works");
      const tooMany = Array.from({ length: 17 }, () => Buffer.alloc(64 << 10));
      assertError(await call("PUT", "/object/b/up/chunked-big", { body: true, chunks: tooMany }), 413, "EntityTooLarge");

      // A client that dies mid-body leaves nothing behind, new or overwritten.
      const head = (key, extra) => `PUT /storage/v1/object/b/${key} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SERVICE}\r\n${extra}\r\n`;
      await dieMidUpload(server.url, head("up/partial", "Content-Length: 1000\r\n"), Buffer.alloc(500, 97));
      await dieMidUpload(server.url, head("up/partial", "Transfer-Encoding: chunked\r\n"), "1f4\r\n" + "a".repeat(500) + "\r\n");
      assertError(await call("GET", "/object/b/up/partial"), 404, "NoSuchKey");
      await dieMidUpload(server.url, head("up/new.txt", "Content-Length: 1000\r\n"), Buffer.alloc(500, 97));
      assert.equal((await call("GET", "/object/b/up/new.txt")).text, "four");
      const names = (await call("POST", "/object/list/b", { json: { prefix: "up" } })).json.map((e) => e.name);
      assert.ok(!names.includes("partial"), names.join());
    });

    test("upload: the default limit is 50 MiB (a declared Content-Length over it is refused at once)", async () => {
      const def = await startStorageServer({ ...opts, maxUploadBytes: undefined, buckets: ["b"] });
      try {
        const u = new URL(def.url);
        const r = await new Promise((resolve, reject) => {
          const req = (u.protocol === "https:" ? https : http).request({
            host: u.hostname, port: u.port, method: "PUT", path: "/storage/v1/object/b/huge", ca: CA,
            headers: { authorization: `Bearer ${SERVICE}`, "content-length": (50 << 20) + 1 },
          }, (res) => {
            let text = "";
            res.on("data", (d) => (text += d)).on("end", () => {
              resolve({ status: res.statusCode, text, json: JSON.parse(text) });
              req.destroy(); // the 50 MiB body is never sent
            });
          });
          req.on("error", reject);
          req.flushHeaders();
        });
        assertError(r, 413, "EntityTooLarge");
      } finally {
        await def.close();
      }
    });

    test("GET: bytes with content-type, content-length, etag \"<md5>\", last-modified; Range gives 206; missing is 404 NoSuchKey; /authenticated/ alike", async () => {
      const data = randomBytes(1000);
      await put("get/blob", data, { "content-type": "image/png" });
      for (const path of ["/object/b/get/blob", "/object/authenticated/b/get/blob"]) {
        const r = await call("GET", path);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, data);
        assert.equal(r.headers["content-type"], "image/png");
        assert.equal(r.headers["content-length"], "1000");
        assert.equal(r.headers.etag, `"${md5(data)}"`);
        assert.ok(Math.abs(Date.parse(r.headers["last-modified"]) - Date.now()) < 60_000, r.headers["last-modified"]);
        const part = await call("GET", path, { headers: { range: "bytes=10-19" } });
        assert.equal(part.status, 206);
        assert.equal(part.headers["content-range"], "bytes 10-19/1000");
        assert.deepEqual(part.body, data.subarray(10, 20));
        assertError(await call("GET", path.replace("blob", "missing")), 404, "NoSuchKey");
      }
    });

    test("HEAD: missing is HTTP 400 with no body; existing is 200 with content-length, content-type, etag, last-modified", async () => {
      await put("head/file", "12345", { "content-type": "text/plain" });
      for (const base of ["/object/b/head/", "/object/authenticated/b/head/"]) {
        const missing = await call("HEAD", base + "missing");
        assert.equal(missing.status, 400);
        assert.equal(missing.headers["content-length"], "0");
        assert.equal(missing.body.length, 0);
        const r = await call("HEAD", base + "file");
        assert.equal(r.status, 200);
        assert.equal(r.headers["content-length"], "5");
        assert.equal(r.headers["content-type"], "text/plain");
        assert.equal(r.headers.etag, `"${md5("12345")}"`);
        assert.ok(r.headers["last-modified"]);
      }
    });

    test("info: size, etag and last_modified of an object; missing is 404 NoSuchKey", async () => {
      await put("info/file", "hello", { "content-type": "text/plain" });
      const r = await call("GET", "/object/info/b/info/file");
      assert.equal(r.status, 200, r.text);
      for (const field of ["id", "name", "version", "size", "content_type", "etag", "last_modified", "created_at", "metadata"]) {
        assert.ok(field in r.json, field);
      }
      assert.equal(r.json.size, 5);
      assert.equal(r.json.content_type, "text/plain");
      assert.ok(r.json.etag.includes(md5("hello")), r.json.etag);
      assert.ok(!Number.isNaN(Date.parse(r.json.last_modified)));
      assertError(await call("GET", "/object/info/b/info/missing"), 404, "NoSuchKey");
    });

    test("list: one level below the prefix, folders as null rows, sorted, limit/offset over both, prefix required, missing bucket []", async () => {
      await call("POST", "/bucket", { json: { name: "ls" } });
      for (const k of ["a/b/two", "a/b/one", "a/c.txt", "a/a.txt", "a/d/deep/x", "a2/z", "top"]) {
        await call("PUT", `/object/ls/${k}`, { body: k, headers: { "content-type": "text/plain" } });
      }
      const list = (body) => call("POST", "/object/list/ls", { json: body });
      const names = async (body) => (await list(body)).json.map((e) => e.name);
      for (const prefix of ["a", "a/"]) assert.deepEqual(await names({ prefix }), ["a.txt", "b", "c.txt", "d"]);
      assert.deepEqual(await names({ prefix: "a/b" }), ["one", "two"]);
      assert.deepEqual(await names({ prefix: "" }), ["a", "a2", "top"]);
      const r = await list({ prefix: "a/", limit: 100, offset: 0, sortBy: { column: "name", order: "asc" } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json[1], { name: "b", id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null });
      const file = r.json[0];
      assert.match(file.id, UUID);
      for (const f of ["updated_at", "created_at", "last_accessed_at"]) assert.ok(!Number.isNaN(Date.parse(file[f])), f);
      assert.deepEqual(Object.keys(file.metadata).sort(), ["cacheControl", "contentLength", "eTag", "httpStatusCode", "lastModified", "mimetype", "size"]);
      assert.equal(file.metadata.eTag, `"${md5("a/a.txt")}"`);
      assert.equal(file.metadata.size, 7);
      assert.equal(file.metadata.contentLength, 7);
      assert.equal(file.metadata.mimetype, "text/plain");
      assert.equal(file.metadata.cacheControl, "max-age=3600");
      assert.equal(file.metadata.httpStatusCode, 200);
      assert.deepEqual(await names({ prefix: "a", limit: 2, offset: 1 }), ["b", "c.txt"]);
      assert.deepEqual(await names({ prefix: "a", limit: "1", offset: "3" }), ["d"]);
      assert.deepEqual(await names({ prefix: "a", search: "c" }), ["c.txt"]);
      assert.deepEqual(await names({ prefix: "a", sortBy: { column: "name", order: "desc" } }), ["d", "c.txt", "b", "a.txt"]);
      assertError(await list({ limit: 10 }), 400);
      assertError(await list({ prefix: "a", limit: 0 }), 400);
      const none = await call("POST", "/object/list/no-such-bucket", { json: { prefix: "" } });
      assert.equal(none.status, 200);
      assert.deepEqual(none.json, []);

      await Promise.all(Array.from({ length: 105 }, (_, i) => call("PUT", `/object/ls/many/${String(i).padStart(3, "0")}`, { body: "x" })));
      assert.equal((await names({ prefix: "many" })).length, 100);
      assert.deepEqual(await names({ prefix: "many", offset: 100 }), ["100", "101", "102", "103", "104"]);
    });

    test("delete: exact keys only, answers the rows deleted, skips missing keys, refuses an empty list", async () => {
      for (const k of ["del/x", "del/y", "del/sub/z"]) await put(k, k);
      const r = await call("DELETE", "/object/b", { json: { prefixes: ["del/x", "del/y", "del/missing", "del", "del/sub"] } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.map((row) => row.name).sort(), ["del/x", "del/y"]);
      assert.ok(r.json.every((row) => row.bucket_id === "b"));
      assertError(await call("GET", "/object/b/del/x"), 404, "NoSuchKey");
      assert.equal((await call("GET", "/object/b/del/sub/z")).text, "del/sub/z");
      assertError(await call("DELETE", "/object/b", { json: { prefixes: [] } }), 400);
    });

    test("move and copy: 404 NoSuchKey for a missing source, 409 KeyAlreadyExists for an existing destination (copy: unless x-upsert)", async () => {
      await put("mv/src", "moved");
      await put("mv/taken", "taken");
      const body = (sourceKey, destinationKey) => ({ json: { bucketId: "b", sourceKey, destinationKey } });
      const moved = await call("POST", "/object/move", body("mv/src", "mv/dst"));
      assert.equal(moved.status, 200, moved.text);
      assert.deepEqual(moved.json, { message: "Successfully moved" });
      assertError(await call("GET", "/object/b/mv/src"), 404, "NoSuchKey");
      assert.equal((await call("GET", "/object/b/mv/dst")).text, "moved");
      assertError(await call("POST", "/object/move", body("mv/nothing", "mv/x")), 404, "NoSuchKey");
      assertError(await call("POST", "/object/move", body("mv/dst", "mv/taken")), 409, "KeyAlreadyExists");

      const copied = await call("POST", "/object/copy", body("mv/dst", "mv/copy"));
      assert.equal(copied.status, 200, copied.text);
      assert.equal(copied.json.Key, "b/mv/copy");
      assert.equal((await call("GET", "/object/b/mv/copy")).text, "moved");
      assert.equal((await call("GET", "/object/b/mv/dst")).text, "moved");
      assertError(await call("POST", "/object/copy", body("mv/nothing", "mv/x")), 404, "NoSuchKey");
      assertError(await call("POST", "/object/copy", body("mv/dst", "mv/taken")), 409, "KeyAlreadyExists");
      const upserted = await call("POST", "/object/copy", { ...body("mv/dst", "mv/taken"), headers: { "x-upsert": "true" } });
      assert.equal(upserted.status, 200, upserted.text);
      assert.equal((await call("GET", "/object/b/mv/taken")).text, "moved");
    });

    test("keys: only [A-Za-z0-9_/!.*'() &$=@;:+,?-] after decoding; %20 is a space, a literal + stays +; others are 400 InvalidKey", async () => {
      const ok = "keys/AZaz09_!.*'() &$=@;:+,?-";
      const enc = ok.replace(/ /g, "%20").replace(/\?/g, "%3F");
      assert.equal((await put(enc, "fine")).status, 200);
      assert.equal((await call("GET", `/object/b/${encodeURIComponent(ok)}`)).text, "fine");
      await put("keys/a+b", "plus");
      assertError(await call("GET", "/object/b/keys/a%20b"), 404, "NoSuchKey");
      assert.equal((await call("GET", "/object/b/keys/a%2Bb")).text, "plus");
      const listed = (await call("POST", "/object/list/b", { json: { prefix: "keys/" } })).json.map((e) => e.name);
      assert.ok(listed.includes("a+b") && listed.includes(ok.slice(5)), listed.join("|"));
      for (const bad of ["é", "~", "#", "%", "\\", "{", "}", "[", "]", "^", "`", "|", '"', "<", ">", "\x01", "\x7f"]) {
        const key = `keys/bad${bad}name`;
        const r = await put(encodeURIComponent(key).replace(/%2F/g, "/"), "x");
        assertError(r, 400, "InvalidKey");
        assert.equal(r.json.message, `Invalid key: ${key}`);
      }
      assertError(await put("keys/" + "k".repeat(1020), "x"), 400, "InvalidKey");
      const move = await call("POST", "/object/move", { json: { bucketId: "b", sourceKey: "keys/a+b", destinationKey: "keys/é" } });
      assertError(move, 400, "InvalidKey");
    });

    test("buckets: create, 409 BucketAlreadyExists, get, 404 NoSuchBucket, list", async () => {
      const r = await call("POST", "/bucket", { json: { name: "nb", public: false, file_size_limit: 1234 } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { name: "nb" });
      assertError(await call("POST", "/bucket", { json: { name: "nb", public: false } }), 409, "BucketAlreadyExists");
      const got = await call("GET", "/bucket/nb");
      assert.equal(got.status, 200);
      for (const f of ["id", "name", "public", "file_size_limit", "allowed_mime_types", "created_at", "updated_at"]) assert.ok(f in got.json, f);
      assert.equal(got.json.name, "nb");
      assert.equal(got.json.public, false);
      assert.equal(got.json.file_size_limit, 1234);
      assertError(await call("GET", "/bucket/missing"), 404, "NoSuchBucket");
      const all = await call("GET", "/bucket");
      assert.equal(all.status, 200);
      assert.ok(all.json.some((b) => b.name === "nb"));
    });

    test("faults: N answers of 503 / 429 / 500 DatabaseTimeout / SlowDown, then success; filtered by method and path", async () => {
      await put("f/obj", "ok");
      server.setFaults({ kind: "status", status: 503, count: 2, path: "^/storage/v1/object/b/f/" });
      assertError(await call("GET", "/object/b/other"), 404, "NoSuchKey"); // another path: untouched
      for (let i = 0; i < 2; i++) {
        const r = await call("GET", "/object/b/f/obj");
        assert.equal(r.status, 503);
        assert.equal(r.json.statusCode, "503");
      }
      assert.equal((await call("GET", "/object/b/f/obj")).text, "ok");

      // The same over the control API, which needs no key.
      const set = await call("POST", "/__control/faults", { key: null, json: [{ kind: "status", status: 429, retryAfter: 1, method: "GET" }] });
      assert.deepEqual(set.json, { faults: 1 });
      assert.equal((await put("f/obj", "still ok")).status, 200); // PUT: not matched
      const limited = await call("GET", "/object/b/f/obj");
      assert.equal(limited.status, 429);
      assert.equal(limited.headers["retry-after"], "1");
      assert.equal(limited.json.code, "SlowDown");
      server.setFaults([{ kind: "status", status: 500, code: "DatabaseTimeout" }, { kind: "status", status: 500, code: "SlowDown" }]);
      assertError(await call("GET", "/object/b/f/obj"), 500, "DatabaseTimeout");
      assertError(await call("GET", "/object/b/f/obj"), 500, "SlowDown");
      assert.equal((await call("GET", "/object/b/f/obj")).text, "still ok");
      server.setFaults({ kind: "status", status: 503, count: -1 });
      assert.equal((await call("GET", "/bucket")).status, 503);
      assert.equal((await call("DELETE", "/__control/faults", { key: null })).status, 200);
      assert.equal((await call("GET", "/bucket")).status, 200);
    });

    test("faults: reset mid-body, drop, hang, garbage, huge headers or body, delay", async () => {
      await put("f/blob", randomBytes(100_000));
      server.setFaults({ kind: "reset" });
      const u = new URL(server.url);
      const mod = scheme === "https" ? https : http;
      const partial = await new Promise((resolve) => {
        const req = mod.get({ host: u.hostname, port: u.port, path: "/storage/v1/object/b/f/blob", ca: CA, headers: { authorization: `Bearer ${SERVICE}` } }, (res) => {
          let n = 0;
          res.on("data", (d) => (n += d.length));
          res.on("error", (e) => resolve({ status: res.statusCode, n, declared: Number(res.headers["content-length"]), error: e.code }));
          res.on("end", () => resolve({ status: res.statusCode, n, error: null }));
        });
        req.on("error", () => {});
      });
      assert.equal(partial.status, 200);
      assert.equal(partial.declared, 100_000);
      assert.ok(partial.n > 0 && partial.n < 100_000, `got ${partial.n} bytes`);
      assert.equal(partial.error, "ECONNRESET");

      server.setFaults({ kind: "drop" });
      await assert.rejects(call("GET", "/bucket"), (e) => ["ECONNRESET", "EPIPE"].includes(e.code));

      server.setFaults({ kind: "hang" });
      const t0 = Date.now();
      await assert.rejects(call("GET", "/bucket", { timeout: 300 }), { code: "CLIENT_TIMEOUT" });
      assert.ok(Date.now() - t0 >= 290);
      assert.equal((await call("GET", "/bucket")).status, 200); // the server itself goes on

      server.setFaults({ kind: "garbage" });
      await assert.rejects(call("GET", "/bucket"), (e) => /^HPE_/.test(e.code), "a parse error");

      server.setFaults({ kind: "huge" });
      await assert.rejects(call("GET", "/bucket"), { code: "HPE_HEADER_OVERFLOW" });
      server.setFaults({ kind: "huge", where: "body" });
      const big = await new Promise((resolve, reject) => {
        mod.get({ host: u.hostname, port: u.port, path: "/storage/v1/bucket", ca: CA }, (res) => {
          let n = 0;
          res.on("data", (d) => {
            n += d.length;
            if (n >= 4 << 20) res.destroy(); // a careful client stops reading
          });
          res.on("close", () => resolve({ declared: Number(res.headers["content-length"]), n }));
        }).on("error", reject);
      });
      assert.equal(big.declared, 100 << 20);
      assert.ok(big.n >= 4 << 20);

      server.setFaults({ kind: "delay", ms: 200 });
      const t1 = Date.now();
      assert.equal((await call("GET", "/bucket")).status, 200);
      assert.ok(Date.now() - t1 >= 190);
    });

    test("outage: stop() refuses connections, resume() serves again on the same port with the data kept; also via /__control/outage", async () => {
      await put("o/kept", "kept");
      const { port } = server;
      await server.stop();
      await assert.rejects(call("GET", "/object/b/o/kept"), { code: "ECONNREFUSED" });
      await server.resume();
      assert.equal(server.port, port);
      assert.equal((await call("GET", "/object/b/o/kept")).text, "kept");

      const status = () => call("GET", "/bucket").then((r) => r.status, (e) => e.code);
      assert.deepEqual((await call("POST", "/__control/outage", { key: null, json: { ms: 1000 } })).json, { ms: 1000 });
      await until("the outage", async () => (await status()) === "ECONNREFUSED");
      await until("the end of the outage", async () => (await status()) === 200);
    });

    test("stats: requests per route, and peak concurrent connections", async () => {
      server.resetStats();
      await put("s/a", "a");
      await call("GET", "/object/b/s/a");
      await call("GET", "/object/b/s/a");
      await call("POST", "/object/list/b", { json: { prefix: "s" } });
      await call("GET", "/nope");
      const s = (await call("GET", "/__control/stats", { key: null })).json;
      assert.deepEqual(s.routes, { "PUT /object/{bucket}/{key}": 1, "GET /object/{bucket}/{key}": 2, "POST /object/list/{bucket}": 1, unmatched: 1 });
      assert.equal(s.requests, 5);
      assert.deepEqual(s.routes, server.stats.routes);

      const slow = await startStorageServer({ ...opts, latencyMs: 400 });
      try {
        const slowCall = client(slow.url);
        await Promise.all(Array.from({ length: 4 }, () => slowCall("GET", "/bucket")));
        assert.equal(slow.stats.peakConnections, 4);
        assert.equal(slow.stats.peakInFlight, 4);
        slow.resetStats();
        const agent = new (scheme === "https" ? https : http).Agent({ keepAlive: true, maxSockets: 1, ca: CA });
        await Promise.all(Array.from({ length: 3 }, () => slowCall("GET", "/bucket", { agent })));
        agent.destroy();
        assert.equal(slow.stats.totalConnections, 1); // one pooled connection, three requests
        assert.equal(slow.stats.requests, 3);
      } finally {
        await slow.close();
      }
    });
  });
}

describe("TLS verification with the throwaway CA", () => {
  test("a client trusting the CA connects by IP and as localhost; one that does not is refused", async () => {
    const server = await startStorageServer({ serviceKey: SERVICE, tls: SERVER_TLS });
    try {
      assert.equal((await client(server.url)("GET", "/bucket")).status, 200);
      assert.equal((await client(server.url, { ca: CA, servername: "localhost" })("GET", "/bucket")).status, 200);
      await assert.rejects(client(server.url, {})("GET", "/bucket"), (e) => /UNABLE_TO_VERIFY|SELF_SIGNED/.test(e.code));
    } finally {
      await server.close();
    }
  });

  test("a certificate for another host name is refused by Node's verification", async () => {
    const server = await startStorageServer({ serviceKey: SERVICE, tls: WRONG_TLS });
    try {
      await assert.rejects(client(server.url)("GET", "/bucket"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
      await assert.rejects(client(server.url, { ca: CA, servername: "localhost" })("GET", "/bucket"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
      // The same cert is fine for the name it was made for: only the name is wrong.
      assert.equal((await client(server.url, { ca: CA, servername: "wrong.example" })("GET", "/bucket")).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe("data dir and CLI", () => {
  test("with a dataDir, objects survive a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "storage-stand-in-data-"));
    try {
      let server = await startStorageServer({ serviceKey: SERVICE, dataDir, buckets: ["keep"] });
      await client(server.url)("PUT", "/object/keep/a/b.txt", { body: "persisted", headers: { "content-type": "text/plain" } });
      await server.close();
      server = await startStorageServer({ serviceKey: SERVICE, dataDir, buckets: ["keep"] });
      const r = await client(server.url)("GET", "/object/keep/a/b.txt");
      assert.equal(r.text, "persisted");
      assert.equal(r.headers["content-type"], "text/plain");
      await server.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("the CLI prints {url} when listening, serves HTTPS, obeys SIGUSR1/SIGUSR2 (outage) and exits 0 on SIGTERM", async () => {
    assert.match(execFileSync(process.execPath, [CLI, "--help"]).toString(), /--max-upload-bytes/);
    const args = [CLI, "--port", "0", "--key", SERVICE, "--bucket", "cli", "--tls-cert", pem("server.pem"), "--tls-key", pem("server.key")];
    const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = await once(proc.stdout, "data");
      const { url, port } = JSON.parse(line.toString());
      assert.equal(url, `https://127.0.0.1:${port}`);
      const call = client(url);
      assert.equal((await call("GET", "/bucket/cli")).json.name, "cli");
      const status = () => call("GET", "/bucket/cli").then((r) => r.status, (e) => e.code);
      proc.kill("SIGUSR1");
      await until("SIGUSR1's outage", async () => (await status()) === "ECONNREFUSED");
      proc.kill("SIGUSR2");
      await until("SIGUSR2's resume", async () => (await status()) === 200);
      proc.kill("SIGTERM");
      const [code] = await once(proc, "exit");
      assert.equal(code, 0);
    } finally {
      proc.kill();
    }
  });
});
