// Terminals over Socket.IO against a real container (DESIGN §5 term:*), with
// the official client: typed input and its echo, output and exit codes,
// resizes seen by `stty size`, re-attach with the output made while away,
// clients sharing a terminal, viewers refused, another project's terminals
// out of reach, a close that leaves no process behind, the limit, and a
// project stop that ends them all, and terminals a crash left running.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRuntimeBerth, userWithProject, removeContainers, sleep, until } from "../docker/helpers.mjs";
import { signup, client, removeDataDir } from "../lib/berth.mjs";
import { connectTo, count, processesOf } from "./terminal_client.mjs";

let berth, owner, id;
before(async () => {
  berth = await startRuntimeBerth();
  owner = await userWithProject(berth, "terminals");
  id = owner.id;
});
after(async () => {
  await berth?.stop();
  removeContainers([id]);
});

const connect = (user, projectId = id) => connectTo(berth, user, projectId);

test("typed input is echoed and run; a command's output and exit code arrive", async () => {
  const a = await connect(owner.user);
  try {
    const shell = await a.open();
    await a.type(shell, "echo sum-$((6*7))\r");
    await a.waitFor(shell, "sum-42");
    assert.ok(a.of(shell).text().includes("echo sum-$((6*7))"), "the TTY echoes what was typed");
    // Binary input is passed as bytes.
    await a.type(shell, Buffer.from("echo bin-$((2+2))\r"));
    await a.waitFor(shell, "bin-4");
    assert.equal(a.of(shell).gaps, 0);
    assert.equal(a.of(shell).start, 0, "the opener gets everything from the first byte");

    const cmd = await a.open({ command: "printf 'out-%s\\n' $((1+2)); exit 3" });
    assert.equal(await a.waitExit(cmd), 3);
    assert.ok(a.of(cmd).text().includes("out-3\r\n"), JSON.stringify(a.of(cmd).text()));
    // An ended terminal is listed with its code until closed.
    const list = await a.call("term:list", {});
    assert.equal(list.ok, true);
    const ended = list.terminals.find((t) => t.id === cmd);
    assert.equal(ended.exitCode, 3);
    assert.equal(ended.command, "printf 'out-%s\\n' $((1+2)); exit 3");
    assert.match(ended.startedAt, /^\d{4}-\d\d-\d\dT/);
    const running = list.terminals.find((t) => t.id === shell);
    assert.deepEqual([running.exitCode, running.command, running.attached, running.cols, running.rows], [null, null, 1, 80, 24]);
    // Typing into an ended one is refused; closing it removes it.
    assert.equal((await a.type(cmd, "x")).error.code, "conflict");
    assert.equal((await a.call("term:close", { id: cmd })).ok, true);
    assert.equal((await a.call("term:attach", { id: cmd })).error.code, "not_found");
    assert.equal((await a.call("term:close", { id: shell })).ok, true);
    await a.waitExit(shell);
  } finally {
    await a.done();
  }
});

test("stty size follows term:resize; sizes out of bounds are refused", async () => {
  const a = await connect(owner.user);
  try {
    const t = await a.open({ cols: 90, rows: 20 });
    await a.type(t, "stty size; echo size-$((1))\r");
    await a.waitFor(t, "size-1");
    assert.match(a.of(t).text(), /[\r\n]20 90\r\n/);
    assert.equal((await a.call("term:resize", { id: t, cols: 132, rows: 43 })).ok, true);
    await a.type(t, "stty size; echo size-$((2))\r");
    await a.waitFor(t, "size-2");
    assert.match(a.of(t).text(), /[\r\n]43 132\r\n/);
    for (const [cols, rows] of [[0, 10], [1001, 10], [80, 501], [80, "x"]]) {
      const r = await a.call("term:resize", { id: t, cols, rows });
      assert.equal(r.error?.code, "bad_request", JSON.stringify(r));
    }
    assert.equal((await a.call("term:open", { cols: 2000, rows: 10 })).error.code, "bad_request");
    assert.equal((await a.call("term:resize", { id: "t0000", cols: 80, rows: 24 })).error.code, "not_found");
    await a.call("term:close", { id: t });
  } finally {
    await a.done();
  }
});

test("re-attach after a disconnect: earlier output and output made while away, once each, then live", async () => {
  const a = await connect(owner.user);
  const t = await a.open();
  await a.type(t, "echo first-$((1+1))\r");
  await a.waitFor(t, "first-2");
  // Still running when the client goes: its output lands in the scrollback.
  await a.type(t, "sleep 1; echo later-$((2+3))\r");
  a.close();
  await sleep(2000);

  const b = await connect(owner.user);
  try {
    const listed = (await b.call("term:list", {})).terminals.find((x) => x.id === t);
    assert.equal(listed.attached, 0, "a terminal without clients keeps running");
    const r = await b.attach(t);
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual([r.cols, r.rows, r.exitCode], [80, 24, null]);
    assert.ok(Buffer.isBuffer(r.scrollback));
    assert.equal(r.offset, 0, "nothing was dropped yet: the replay starts at the first byte");
    const replay = r.scrollback.toString("utf8");
    assert.equal(count(replay, "first-2"), 1, replay);
    assert.equal(count(replay, "later-5"), 1, replay);
    await b.type(t, "echo again-$((3+4))\r");
    await b.waitFor(t, "again-7");
    const all = b.of(t).text();
    assert.equal(b.of(t).gaps, 0, "replay and live output are one run");
    assert.deepEqual([count(all, "first-2"), count(all, "later-5"), count(all, "again-7")], [1, 1, 1]);
  } finally {
    await b.call("term:close", { id: t }).catch(() => {});
    await b.done();
  }
});

test("two clients share a terminal: both see all output, both type, the smaller size wins", async () => {
  const a = await connect(owner.user);
  const b = await connect(owner.user);
  try {
    const t = await a.open({ cols: 100, rows: 30 });
    assert.equal((await b.attach(t, { cols: 70, rows: 40 })).ok, true);
    await a.type(t, "echo from-a-$((4*4))\r");
    await b.type(t, "echo from-b-$((5*5))\r");
    for (const c of [a, b]) {
      await c.waitFor(t, "from-a-16");
      await c.waitFor(t, "from-b-25");
    }
    assert.equal((await a.call("term:list", {})).terminals.find((x) => x.id === t).attached, 2);
    await a.type(t, "stty size; echo s-$((10+1))\r");
    await a.waitFor(t, "s-11");
    assert.match(a.of(t).text(), /[\r\n]30 70\r\n/, "cols from b, rows from a");
    b.close();
    await sleep(300);
    await a.type(t, "stty size; echo s-$((10+2))\r");
    await a.waitFor(t, "s-12");
    assert.match(a.of(t).text(), /[\r\n]30 100\r\n/, "b left: a's own size again");
    await a.call("term:close", { id: t });
  } finally {
    await a.done();
    await b.done();
  }
});

test("a member made viewer while attached stops counting toward the size at once", async () => {
  const member = await signup(berth.url, "sizer");
  await owner.api.put(`/api/v1/projects/${id}/members/${member.user.id}`, { role: "editor" });
  const a = await connect(owner.user);
  const b = await connect(member);
  try {
    const t = await a.open({ cols: 100, rows: 30 });
    assert.equal((await b.attach(t, { cols: 60, rows: 20 })).ok, true);
    await a.type(t, "stty size; echo r-$((20+1))\r");
    await a.waitFor(t, "r-21");
    assert.match(a.of(t).text(), /[\r\n]20 60\r\n/, "the editor's smaller size wins");
    assert.equal((await owner.api.put(`/api/v1/projects/${id}/members/${member.user.id}`, { role: "viewer" })).status, 200);
    await sleep(300);
    await a.type(t, "stty size; echo r-$((20+2))\r");
    await a.waitFor(t, "r-22");
    assert.match(a.of(t).text(), /[\r\n]30 100\r\n/, "a viewer's size never counts");
    await a.call("term:close", { id: t });
  } finally {
    await a.done();
    b.close();
  }
});

test("viewers may attach and list, not open, type, resize or close; other projects' terminals are out of reach", async () => {
  const viewer = await signup(berth.url, "viewer");
  await owner.api.put(`/api/v1/projects/${id}/members/${viewer.user.id}`, { role: "viewer" });
  const a = await connect(owner.user);
  const v = await connect(viewer);
  const stranger = await userWithProject(berth, "elsewhere");
  const s = await connect(stranger.user, stranger.id);
  try {
    const t = await a.open();
    await a.type(t, "echo ready-$((8*8))\r");
    await a.waitFor(t, "ready-64");
    assert.equal((await v.call("term:list", {})).terminals.some((x) => x.id === t), true);
    const r = await v.attach(t, { cols: 20, rows: 5 });
    assert.equal(r.ok, true);
    assert.ok(r.scrollback.toString().includes("ready-64"));
    assert.deepEqual([r.cols, r.rows], [80, 24], "a viewer's size does not count");
    for (const [event, body] of [
      ["term:input", { id: t, data: "echo viewer-$((9*9))\r" }],
      ["term:resize", { id: t, cols: 40, rows: 10 }],
      ["term:close", { id: t }],
      ["term:open", { cols: 80, rows: 24 }],
    ]) {
      const refused = await v.call(event, body);
      assert.equal(refused.error?.code, "forbidden", `${event}: ${JSON.stringify(refused)}`);
    }
    await a.type(t, "echo after-$((7*7))\r");
    await v.waitFor(t, "after-49");
    assert.equal(count(v.of(t).text(), "viewer-81"), 0, "the viewer's input never reached the terminal");
    // Another project's member cannot reach it by id.
    for (const event of ["term:attach", "term:input", "term:close"]) {
      const r2 = await s.call(event, { id: t, data: "x" });
      assert.equal(r2.error?.code, "not_found", `${event}: ${JSON.stringify(r2)}`);
    }
    assert.deepEqual((await s.call("term:list", {})).terminals, []);
    await a.call("term:close", { id: t });
  } finally {
    await a.done();
    await v.done();
    await s.done();
    removeContainers([stranger.id]);
  }
});

test("term:close ends the foreground and the background job: no process is left", async () => {
  const a = await connect(owner.user);
  try {
    const t = await a.open();
    await a.type(t, "sleep 1001 &\r");
    await a.type(t, "sleep 1002\r");
    const deadline = Date.now() + 15000;
    while (!(processesOf(id).includes("sleep 1001") && processesOf(id).includes("sleep 1002"))) {
      assert.ok(Date.now() < deadline, `both sleeps should run:\n${processesOf(id)}`);
      await sleep(100);
    }
    const closed = await a.call("term:close", { id: t });
    assert.equal(closed.ok, true);
    const code = await a.waitExit(t);
    assert.equal(typeof code, "number");
    const ps = processesOf(id);
    assert.ok(!ps.includes("sleep 100"), `no sleep may survive the close:\n${ps}`);
    assert.equal((await a.call("term:list", {})).terminals.some((x) => x.id === t), false);
    assert.equal((await a.type(t, "x")).error.code, "not_found");
  } finally {
    await a.done();
  }
});

test("at most 8 terminals per project (limit_reached); a stop ends them all", async () => {
  const a = await connect(owner.user);
  try {
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push(await a.open());
    const ninth = await a.call("term:open", { cols: 80, rows: 24 });
    assert.equal(ninth.error?.code, "limit_reached", JSON.stringify(ninth));
    await a.call("term:close", { id: ids.pop() });
    ids.push(await a.open());
    assert.equal((await owner.api.post(`/api/v1/projects/${id}/stop`)).status, 200);
    for (const t of ids) await a.waitExit(t);
    assert.deepEqual((await a.call("term:list", {})).terminals, []);
    // A new terminal starts the project again.
    const again = await a.open();
    await a.type(again, "echo back-$((3*3))\r");
    await a.waitFor(again, "back-9");
    await a.call("term:close", { id: again });
  } finally {
    await a.done();
  }
});

test("after a crash, the restarted Berth ends the terminals left running in the adopted container", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-orphans-"));
  let server = await startRuntimeBerth({}, { dataDir: dir });
  try {
    const { user, id: pid } = await userWithProject(server, "orphans");
    try {
      const a = await connectTo(server, user, pid);
      const t = await a.open();
      await a.type(t, "sleep 1003\r");
      await until("the sleep in the terminal", () => processesOf(pid).includes("sleep 1003"));
      server.proc.kill("SIGKILL");  // nobody is left to end the terminal
      await server.exited;
      a.socket.close();
      assert.ok(processesOf(pid).includes("sleep 1003"), "the exec outlives the crash");

      server = await startRuntimeBerth({}, { dataDir: dir });
      await until("the orphaned terminal ended", () => !processesOf(pid).includes("sleep 1003"), 20000);
      const api = client(server.url, user.accessToken);
      assert.equal((await api.get(`/api/v1/projects/${pid}`)).json.status, "ready", "the container itself is kept");
    } finally {
      removeContainers([pid]);
    }
  } finally {
    await server.stop();
    removeDataDir(dir);
  }
});
