// berth serve says at start-up whether the host gives it what terminals,
// previews and file ownership need (root or the named capabilities, the
// host's PID namespace), and names what is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BERTH_BIN, JWT_SECRET, freePort } from "../lib/berth.mjs";

// Starts `berth serve` (optionally as another user), returns its log up to "listening", then stops it.
async function startupLog(prefix = []) {
  const dir = mkdtempSync(join(tmpdir(), "berth-host-"));
  chmodSync(dir, 0o777);
  const [cmd, ...args] = [...prefix, BERTH_BIN, "serve"];
  const proc = spawn(cmd, args, {
    env: { PATH: process.env.PATH, PORT: String(await freePort()), BERTH_HOST: "127.0.0.1", BERTH_DATA_DIR: dir, JWT_SECRET },
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no start-up line:\n" + log)), 20000);
      const read = (d) => {
        log += d;
        if (/Berth listening/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on("data", read);
      proc.stderr.on("data", read);
      proc.on("exit", () => {
        clearTimeout(timer);
        reject(new Error("berth exited:\n" + log));
      });
    });
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.on("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  }
  return log;
}

test("as root, with the engine on this host, the check passes", async () => {
  const log = await startupLog();
  assert.match(log, /host: running with the privileges and PID namespace Berth needs/);
  assert.doesNotMatch(log, /host: missing/);
});

test("without privileges, each missing capability is named with what it breaks", async () => {
  const log = await startupLog(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
  for (const cap of ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SYS_PTRACE", "CAP_SYS_ADMIN"])
    assert.match(log, new RegExp(`host: missing ${cap}: .*run berth serve as root`));
  assert.match(log, /previews cannot enter a container's network namespace/);
  assert.match(log, /project disks \(BERTH_PROJECT_QUOTA\) need loop devices/);
});
