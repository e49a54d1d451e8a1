// Log-in attempts are bounded per account and per address: past the bound
// the answer is 429 rate_limited with Retry-After, whatever the password.
// Behind a trusted proxy (BERTH_TRUSTED_PROXIES) the address is the one it forwarded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startBerth, client, signup } from "../lib/berth.mjs";

test("failures per account lock that account (not others) with Retry-After; a success resets the count", async () => {
  const berth = await startBerth({ env: { BERTH_LOGIN_FAILURES_PER_ACCOUNT: "3", BERTH_LOGIN_ATTEMPTS_PER_ADDRESS: "1000" } });
  try {
    const alice = await signup(berth.url, "alice");
    const bob = await signup(berth.url, "bob");
    const api = client(berth.url);
    const login = (email, password) => api.post("/api/v1/auth/login", { email, password });
    assert.equal((await login(alice.email, "wrong 1")).status, 401);
    assert.equal((await login(alice.email, "correct horse battery")).status, 200, "a success resets the count");
    for (let i = 0; i < 3; i++) assert.equal((await login(alice.email, `wrong ${i}`)).status, 401);
    const locked = await login(alice.email, "correct horse battery");
    assert.equal(locked.status, 429, "even the right password waits");
    assert.equal(locked.json.error.code, "rate_limited");
    assert.ok(Number(locked.headers.get("retry-after")) > 0);
    assert.equal((await login(bob.email, "correct horse battery")).status, 200, "other accounts are not affected");
  } finally {
    await berth.stop();
  }
});

test("attempts per address are bounded", async () => {
  const berth = await startBerth({ env: { BERTH_LOGIN_ATTEMPTS_PER_ADDRESS: "4" } });
  try {
    const api = client(berth.url);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await api.post("/api/v1/auth/login", { email: `u${i}@example.test`, password: "whatever pw" })).status);
    assert.deepEqual(answers, [401, 401, 401, 401, 429, 429]);
  } finally {
    await berth.stop();
  }
});

// Five log-in attempts, each claiming to come from another address.
async function attemptsFrom(url, forwarded) {
  const statuses = [];
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": forwarded(i) },
      body: JSON.stringify({ email: `u${i}@example.test`, password: "whatever pw" }),
    });
    statuses.push(r.status);
  }
  return statuses;
}

test("X-Forwarded-For counts only from a trusted proxy: nobody else can dodge the per-address bound", async () => {
  const untrusted = await startBerth({ env: { BERTH_LOGIN_ATTEMPTS_PER_ADDRESS: "2" } });
  try {
    assert.deepEqual(await attemptsFrom(untrusted.url, (i) => `198.51.100.${i}`), [401, 401, 429, 429, 429]);
  } finally {
    await untrusted.stop();
  }
  const behindProxy = await startBerth({ env: { BERTH_LOGIN_ATTEMPTS_PER_ADDRESS: "2", BERTH_TRUSTED_PROXIES: "127.0.0.1, ::1" } });
  try {
    // Each forwarded client has a bound of its own, read from the right.
    assert.deepEqual(await attemptsFrom(behindProxy.url, (i) => `6.6.6.6, 198.51.100.${i}`), [401, 401, 401, 401, 401]);
    // One client behind the proxy, whatever it writes at the left, is one address.
    assert.deepEqual(await attemptsFrom(behindProxy.url, (i) => `10.9.9.${i}, 203.0.113.7`), [401, 401, 429, 429, 429]);
  } finally {
    await behindProxy.stop();
  }
});

test("a bad BERTH_TRUSTED_PROXIES stops the server at start, naming the entry", async () => {
  await assert.rejects(startBerth({ env: { BERTH_TRUSTED_PROXIES: "10.0.0.0/40" } }), /BERTH_TRUSTED_PROXIES.*10\.0\.0\.0\/40/s);
});
