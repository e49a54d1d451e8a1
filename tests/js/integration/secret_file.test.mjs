// The generated development secret (data dir/dev-jwt-secret) is never
// readable by others, not even for an instant: it is created 0600, whatever
// the umask, and never written through a link that is in its place.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BERTH_BIN, freePort } from "../lib/berth.mjs";

const baseEnv = (dir) => ({ PATH: process.env.PATH, BERTH_DATA_DIR: dir, BERTH_LOG_LEVEL: "warn" });

// Runs `berth <args...>` under `umask 000`; a probe file shows the umask was in force.
const UMASK_000 = 'umask 000 && : > "$BERTH_DATA_DIR/umask-probe" && exec "$0" "$@"';

function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return dir;
}

test("berth serve under umask 000 creates dev-jwt-secret with mode 0600", async () => {
  const dir = tempDir("berth-umask-");
  const port = await freePort();
  const proc = spawn("sh", ["-c", UMASK_000, BERTH_BIN, "serve"], {
    env: { ...baseEnv(dir), PORT: String(port), BERTH_HOST: "127.0.0.1" },
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let logs = "";
  proc.stdout.on("data", (d) => (logs += d));
  proc.stderr.on("data", (d) => (logs += d));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  try {
    const deadline = Date.now() + 15000;
    for (;;) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 50))]);
      if (early) throw new Error(`berth exited early (${JSON.stringify(early)}):\n${logs}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
      } catch {}
      if (Date.now() > deadline) throw new Error("berth did not become healthy:\n" + logs);
    }
    assert.equal(statSync(join(dir, "umask-probe")).mode & 0o777, 0o666, "the umask was not 000");
    const secret = join(dir, "dev-jwt-secret");
    assert.equal(statSync(secret).mode & 0o777, 0o600);
    assert.ok(lstatSync(secret).isFile());
    assert.match(readFileSync(secret, "utf8"), /^[A-Za-z0-9_-]{43}\n$/);
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes(".tmp")), [], "a temporary file was left behind");
  } finally {
    proc.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the secret file is created 0600 (O_EXCL) from its first byte, not chmod'ed afterwards", () => {
  // The mode after the fact cannot show the window between creating a file
  // 0666 and chmod'ing it: the system calls can. strace needs ptrace.
  // strace is installed by scripts/bootstrap: a missing one is a failure, not a skip.
  const probe = spawnSync("strace", ["-qq", "-e", "trace=none", "true"]);
  assert.ok(!probe.error && probe.status === 0, `strace cannot trace here: ${probe.error ?? probe.stderr}`);
  const dir = tempDir("berth-strace-");
  try {
    const trace = join(dir, "trace");
    const r = spawnSync(
      "sh",
      ["-c", 'umask 000 && exec strace -f -qq -e trace=open,openat,creat -o "$TRACE" "$0" token --user someone', BERTH_BIN],
      // LeakSanitizer (the ASan build of the tests) cannot run under ptrace.
      { env: { ...baseEnv(join(dir, "data")), TRACE: trace, ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ""}:detect_leaks=0` }, timeout: 20000 },
    );
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stdout.toString().trim().split(".").length, 3);
    const creates = readFileSync(trace, "utf8")
      .split("\n")
      .filter((l) => l.includes("dev-jwt-secret") && /O_CREAT|creat\(/.test(l));
    assert.ok(creates.length >= 1, "no file was created for the secret");
    for (const call of creates) {
      assert.match(call, /O_EXCL/, call);
      assert.match(call, /, 0600\)/, call);
    }
    assert.equal(statSync(join(dir, "data", "dev-jwt-secret")).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a symlink where the secret file goes is replaced, never written through", () => {
  const dir = tempDir("berth-link-");
  try {
    const elsewhere = join(dir, "elsewhere");
    symlinkSync(elsewhere, join(dir, "dev-jwt-secret")); // dangling: nothing to read, so a secret is generated
    const r = spawnSync("sh", ["-c", UMASK_000, BERTH_BIN, "token", "--user", "someone"], {
      env: baseEnv(dir),
      timeout: 20000,
    });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(existsSync(elsewhere), false, "the secret was written through the link");
    const st = lstatSync(join(dir, "dev-jwt-secret"));
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
