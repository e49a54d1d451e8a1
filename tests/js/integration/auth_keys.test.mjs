// Tokens signed with asymmetric keys (RS256, ES256) from a JWKS file or URL,
// key rotation through the URL, CORS, and the bounded password-hash queue.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, sign, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBerth, client } from "../lib/berth.mjs";

const b64url = (x) => Buffer.from(x).toString("base64url");
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
});

function keyPair(kind, kid) {
  const { publicKey, privateKey } =
    kind === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: kind, use: "sig" };
  const signToken = (claims) => {
    const input = b64url(JSON.stringify({ alg: kind, typ: "JWT", kid })) + "." + b64url(JSON.stringify(claims));
    // JWS ES256 signatures are raw R‖S (ieee-p1363), not DER.
    const sig = sign("sha256", Buffer.from(input), kind === "ES256" ? { key: privateKey, dsaEncoding: "ieee-p1363" } : privateKey);
    return input + "." + b64url(sig);
  };
  return { jwk, signToken };
}

const claims = (sub = randomUUID()) => {
  const now = Math.floor(Date.now() / 1000);
  return { sub, email: "k@example.test", role: "authenticated", aud: "authenticated", iat: now, exp: now + 600 };
};

test("RS256 and ES256 tokens verify against a JWKS file; unknown keys are refused", async () => {
  const rsa = keyPair("RS256", "rsa-1");
  const ec = keyPair("ES256", "ec-1");
  const stranger = keyPair("ES256", "ec-1"); // same kid, different key
  const file = join(mkdtempSync(join(tmpdir(), "berth-jwks-")), "jwks.json");
  writeFileSync(file, JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
  const berth = await startBerth({ env: { BERTH_JWKS: file } });
  servers.push(berth);
  for (const key of [rsa, ec]) {
    const sub = randomUUID();
    const me = await client(berth.url, key.signToken(claims(sub))).get("/api/v1/auth/me");
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user.id, sub);
  }
  assert.equal((await client(berth.url, stranger.signToken(claims())).get("/api/v1/auth/me")).status, 401);
});

test("a JWKS URL is fetched on first use and again when a token names a new kid", async () => {
  const first = keyPair("ES256", "k1");
  const rotated = keyPair("RS256", "k2");
  let served = { keys: [first.jwk] };
  let fetches = 0;
  const jwksServer = createServer((req, res) => {
    fetches++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(served));
  });
  await new Promise((r) => jwksServer.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${jwksServer.address().port}/auth/v1/.well-known/jwks.json`;
  const berth = await startBerth({ env: { BERTH_JWKS: url, BERTH_JWKS_REFRESH_INTERVAL: "0" } });
  servers.push(berth);
  try {
    assert.equal((await client(berth.url, first.signToken(claims())).get("/api/v1/auth/me")).status, 200);
    assert.equal(fetches, 1);
    // the identity provider rotates its keys
    served = { keys: [first.jwk, rotated.jwk] };
    assert.equal((await client(berth.url, rotated.signToken(claims())).get("/api/v1/auth/me")).status, 200);
    assert.equal(fetches, 2);
    // known kids need no fetch
    assert.equal((await client(berth.url, first.signToken(claims())).get("/api/v1/auth/me")).status, 200);
    assert.equal(fetches, 2);
  } finally {
    jwksServer.close();
  }
});

test("CORS: preflight and response headers for an allowed origin only", async () => {
  const berth = await startBerth({ env: { BERTH_CORS_ORIGIN: "http://localhost:5173" } });
  servers.push(berth);
  const pre = await fetch(berth.url + "/api/v1/projects", {
    method: "OPTIONS",
    headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "http://localhost:5173");
  assert.match(pre.headers.get("access-control-allow-headers"), /Authorization/);
  const ok = await fetch(berth.url + "/healthz", { headers: { origin: "http://localhost:5173" } });
  assert.equal(ok.headers.get("access-control-allow-origin"), "http://localhost:5173");
  const other = await fetch(berth.url + "/healthz", { headers: { origin: "http://evil.example" } });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
});

test("a burst of sign-ups beyond the hashing queue gets 429, the rest succeed", async () => {
  const berth = await startBerth();
  servers.push(berth);
  const api = client(berth.url);
  const burst = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      api.post("/api/v1/auth/signup", { email: `burst-${i}-${randomUUID()}@example.test`, password: "long enough password" }),
    ),
  );
  const statuses = burst.map((r) => r.status);
  assert.ok(statuses.includes(429), `expected some 429 in ${statuses}`);
  assert.ok(statuses.includes(201));
  assert.ok(statuses.every((s) => s === 201 || s === 429), String(statuses));
  const limited = burst.find((r) => r.status === 429);
  assert.equal(limited.json.error.code, "rate_limited");
  // and the server is fine afterwards
  assert.equal((await api.get("/healthz")).status, 200);
});
