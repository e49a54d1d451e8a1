// What a project's code cannot do (DESIGN §8), tried for real: a fork bomb
// stops at the pids limit, a memory hog is OOM-killed inside its cgroup, the
// Docker socket is not there, mounting is refused, the user is uid 1000 with
// no capabilities, there is no network; and files the container writes
// appear on the host, owned by uid 1000.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startRuntimeBerth, userWithProject, removeContainers, inspect, until, LIMITS } from "./helpers.mjs";
import { mirrorOf } from "../lib/berth.mjs";

let berth, api, id;
before(async () => {
  berth = await startRuntimeBerth();
  ({ api, id } = await userWithProject(berth));
  const r = await api.post(`/api/v1/projects/${id}/start`);
  assert.equal(r.json?.state, "ready", r.text);
});
after(async () => {
  await berth?.stop();
  removeContainers([id]);
});

const exec = async (command, extra = {}) => {
  const r = await api.post(`/api/v1/projects/${id}/exec`, { command, ...extra });
  assert.equal(r.status, 200, r.text);
  return r.json;
};

// The container's cgroup file (v1 layout, else the v2 systemd one). A test
// that needs it fails when it is not there: a containment check that skips
// itself would pass on a host that contains nothing.
function cgroupFile(controller, file) {
  const c = inspect(`berth-${id}`);
  const tried = [`/sys/fs/cgroup/${controller}/docker/${c.Id}`, `/sys/fs/cgroup/system.slice/docker-${c.Id}.scope`];
  for (const base of tried) {
    const p = join(base, file);
    if (existsSync(p)) return readFileSync(p, "utf8");
  }
  assert.fail(`no cgroup file ${file} for the container (looked in ${tried.join(", ")})`);
}

test("runs as uid 1000 with no capabilities and no-new-privileges", async () => {
  const r = await exec("id -u; id -g; grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs)' /proc/self/status");
  assert.match(r.stdout, /^1000\n1000\n/);
  assert.match(r.stdout, /CapEff:\s+0000000000000000/);
  assert.match(r.stdout, /CapPrm:\s+0000000000000000/);
  assert.match(r.stdout, /CapBnd:\s+0000000000000000/);
  assert.match(r.stdout, /NoNewPrivs:\s+1/);
});

test("cannot see the Docker socket, cannot mount, has no network", async () => {
  const sock = await exec("ls -l /var/run/docker.sock /run/docker.sock; find / -name 'docker.sock' 2>/dev/null | grep -v '^/proc' ; true");
  assert.doesNotMatch(sock.stdout, /docker\.sock/);
  const mount = await exec("mount -t tmpfs none /tmp");
  assert.notEqual(mount.exitCode, 0);
  assert.match(mount.stderr, /permission|not permitted|denied/i);
  const net = await exec("ls /sys/class/net");
  assert.equal(net.stdout.trim(), "lo");
});

test("files made in /workspace appear on the host owned by uid 1000, and can be edited and deleted", async () => {
  const mirror = mirrorOf(berth.dir, id);
  assert.equal(statSync(mirror).uid, 1000);
  let r = await exec("echo one > a.txt && mkdir -p d && echo two > d/b.txt && echo three >> a.txt && mv a.txt c.txt");
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(readFileSync(join(mirror, "c.txt"), "utf8"), "one\nthree\n");
  assert.equal(statSync(join(mirror, "c.txt")).uid, 1000);
  assert.equal(statSync(join(mirror, "d")).uid, 1000);
  assert.equal(statSync(join(mirror, "d", "b.txt")).uid, 1000);
  r = await exec("rm -r d c.txt");
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(existsSync(join(mirror, "d")), false);
  assert.equal(existsSync(join(mirror, "c.txt")), false);
});

test("a fork bomb stops at the pids limit and the container recovers", async () => {
  const r = await exec("b() { b | b & }; b; sleep 5", { timeoutMs: 3000 });
  assert.equal(r.timedOut, true);
  assert.equal(cgroupFile("pids", "pids.max").trim(), String(LIMITS.pids));
  assert.match(cgroupFile("pids", "pids.events"), /max [1-9]/, "forks were refused at the limit");
  // The bomb's process group was killed: the container answers again.
  await until("the container to answer", async () => {
    const res = await api.post(`/api/v1/projects/${id}/exec`, { command: "echo alive", timeoutMs: 2000 });
    return res.json?.stdout === "alive\n";
  }, 20000);
});

test("a memory hog is OOM-killed inside its container", async () => {
  // Doubling a shell string passes the 64 MiB limit in a few steps.
  const r = await exec("x=0123456789abcdef; while :; do x=$x$x; done", { timeoutMs: 20000 });
  assert.equal(r.timedOut, false);
  assert.equal(r.exitCode, 137, JSON.stringify(r));
  // The kill happened in the container's own memory cgroup (cgroup v1).
  const oom = cgroupFile("memory", "memory.oom_control");
  assert.match(oom, /oom_kill [1-9]/, oom);
  assert.equal(inspect(`berth-${id}`).State.Running, true, "the container itself survives");
  assert.equal((await exec("echo fine")).stdout, "fine\n");
});
