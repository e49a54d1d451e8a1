// Log-in attempts are bounded per account and per address: past the bound
// the answer is 429 rate_limited with Retry-After, whatever the password.
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
