// One project cannot fill the host's disk (DESIGN §6, "Disk"), tried with a
// real container: /workspace is the project's own ext4 image of
// BERTH_PROJECT_QUOTA, the image's filesystem is read-only, and every other
// writable place is a tmpfs of BERTH_CONTAINER_TMP_SIZE. `dd` runs until
// ENOSPC in each, and the editor's writes get `quota_exceeded`. Nothing here
// skips: without loop devices or mkfs.ext4 the project does not start and
// the test fails.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { io } from "socket.io-client";
import { startRuntimeBerth, userWithProject, removeContainers } from "./helpers.mjs";
import { mirrorOf, unmountUnder } from "../lib/berth.mjs";

const MiB = 1024 * 1024;
const QUOTA = 32 * MiB;
const TMP = 8 * MiB;

let berth, user, api, id;
before(async () => {
  berth = await startRuntimeBerth({ BERTH_PROJECT_QUOTA: "32m", BERTH_CONTAINER_TMP_SIZE: "8m" });
  ({ user, api, id } = await userWithProject(berth, "disk"));
  const r = await api.post(`/api/v1/projects/${id}/start`);
  assert.equal(r.json?.state, "ready", r.text);
});
after(async () => {
  await berth?.stop();
  removeContainers([id]);
});

const exec = async (command) => {
  const r = await api.post(`/api/v1/projects/${id}/exec`, { command, timeoutMs: 60000 });
  assert.equal(r.status, 200, r.text);
  return r.json;
};

// Fills `dir` with zeros until the filesystem refuses; returns what dd said
// and how many bytes the file holds.
async function fill(dir) {
  const file = `${dir}/fill-${Date.now()}`;
  const r = await exec(`dd if=/dev/zero of=${file} bs=1M count=4096 2>&1; echo "rc=$?"; wc -c < ${file}; rm -f ${file}`);
  const lines = r.stdout.trim().split("\n");
  return { said: lines.slice(0, -2).join("\n"), rc: lines.at(-2), bytes: Number(lines.at(-1)) };
}

// The mounts a container process sees, as /proc/mounts lists them.
async function mounts() {
  const r = await exec("cat /proc/mounts");
  return r.stdout.trim().split("\n").map((line) => {
    const [source, point, type, options] = line.split(" ");
    return { source, point, type, rw: options.split(",")[0] === "rw" };
  });
}

test("the mirror is the project's own disk, allocated whole on the host", () => {
  const disk = join(berth.dir, "projects", id, "disk");
  const image = join(berth.dir, "projects", id, "disk.img");
  assert.ok(existsSync(image), "disk.img exists");
  assert.equal(statSync(image).size, QUOTA);
  assert.ok(statSync(image).blocks * 512 >= QUOTA, "allocated up front, not sparse");
  assert.notEqual(statSync(disk).dev, statSync(join(disk, "..")).dev, "disk/ is a mount point");
  assert.equal(statSync(mirrorOf(berth.dir, id)).uid, 1000);
});

test("the image's own filesystem is read-only", async () => {
  const root = (await mounts()).find((m) => m.point === "/");
  assert.equal(root.rw, false, "/ is mounted read-only");
  const r = await exec("touch /usr/x 2>&1; touch /x 2>&1; true");
  assert.doesNotMatch(r.stdout, /^$/, "both touches fail");
  assert.equal((await exec("ls /usr/x /x 2>/dev/null; true")).stdout, "");
});

test("dd runs into ENOSPC in /workspace and in every other writable place", async () => {
  const bounds = { "/workspace": QUOTA, "/tmp": TMP, "/var/tmp": TMP, "/home/user": TMP, "/dev/shm": TMP };
  // Every read-write mount the user can create files in.
  const writable = [];
  for (const m of await mounts()) {
    if (!m.rw || m.type === "proc" || m.type === "sysfs" || m.type === "mqueue") continue;
    const probe = await exec(`test -d ${m.point} && test -w ${m.point} && echo yes; true`);
    if (probe.stdout.trim() === "yes") writable.push(m.point);
  }
  assert.deepEqual([...writable].sort(), Object.keys(bounds).sort(), "the writable places are exactly these");
  for (const dir of writable) {
    const { said, rc, bytes } = await fill(dir);
    assert.match(said, /No space left on device/, `${dir}: ${said}`);
    assert.notEqual(rc, "rc=0", `${dir}: dd failed`);
    assert.ok(bytes > 0 && bytes <= bounds[dir], `${dir}: ${bytes} bytes written, bound ${bounds[dir]}`);
  }
  const image = join(berth.dir, "projects", id, "disk.img");
  assert.equal(statSync(image).size, QUOTA, "the image did not grow");
});

test("the editor's writes meet the same quota: quota_exceeded, then room again once a file goes", async () => {
  const socket = io(berth.url, {
    auth: { token: user.accessToken, projectId: id },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  try {
    await new Promise((resolve, reject) => (socket.once("project:status", resolve), socket.once("connect_error", reject)));
    // The container fills the disk, leaving the editor no room.
    const filled = await exec("dd if=/dev/zero of=/workspace/big bs=1M count=4096 2>&1; true");
    assert.match(filled.stdout, /No space left on device/);
    // Writes of 256 KiB until one is refused: a full ext4 still frees a
    // little once dd's delayed allocations are written out.
    const content = "x".repeat(256 * 1024);
    let refused;
    const acked = [];
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await socket.timeout(20000).emitWithAck("fs:write", { path: `more${i}.txt`, content });
      if (r.ok) acked.push(`more${i}.txt`);
      else refused = r.error;
    }
    assert.ok(refused, "the quota never filled up");
    assert.ok(acked.length < 16, `${acked.length} writes fit on a full disk`);
    assert.equal(refused.code, "quota_exceeded", JSON.stringify(refused));
    assert.match(refused.message, /BERTH_PROJECT_QUOTA/);
    for (const path of acked) {
      const back = await socket.timeout(20000).emitWithAck("fs:read", { path });
      assert.equal(back.content, content, `${path} was acknowledged, so it is whole`);
    }
    const listed = await socket.timeout(20000).emitWithAck("fs:list", { path: "" });
    const names = listed.entries.map((e) => e.name ?? e.path);
    assert.ok(acked.every((p) => names.includes(p)), "every acknowledged file is listed");
    assert.ok(!names.includes(`more${acked.length}.txt`), "nothing half-written is left");
    assert.ok(!names.some((n) => n.endsWith(".tmp")), "no temporary file is left");
    await exec("rm /workspace/big");
    const accepted = await socket.timeout(20000).emitWithAck("fs:write", { path: "more.txt", content });
    assert.equal(accepted.ok, true, JSON.stringify(accepted.error));
    const back = await socket.timeout(20000).emitWithAck("fs:read", { path: "more.txt" });
    assert.equal(back.content, content);
  } finally {
    socket.close();
  }
});

test("deleting the project unmounts its disk and removes it from the host", async () => {
  const projectDir = join(berth.dir, "projects", id);
  const r = await api.del(`/api/v1/projects/${id}`);
  assert.equal(r.status, 204, r.text);
  assert.equal(existsSync(projectDir), false, "the project's directory and image are gone");
  unmountUnder(berth.dir);  // nothing left to detach; a leftover would fail the removal in stop()
});
