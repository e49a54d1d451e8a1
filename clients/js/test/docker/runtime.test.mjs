// The client against a Berth with real containers (the `docker` ctest
// fixture: a running engine and the busybox test image): start, stop and
// exec over REST and the socket, terminals as TerminalStreams, flow control
// by term:ack, and a terminal that goes on after a reconnect.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startRuntimeBerth, removeContainers } from "../../../../tests/js/docker/helpers.mjs";
import { newUser, next, record, until, sleep } from "../helpers.mjs";

const IO = { transports: ["websocket"], reconnectionDelay: 100, reconnectionDelayMax: 300 };
const decoder = new TextDecoder();

let berth, owner, project;
before(async () => {
  berth = await startRuntimeBerth();
  owner = await newUser(berth, "runtime");
  project = await owner.client.createProject({ name: "runtime" });
});
after(async () => {
  await berth?.stop();
  if (project) removeContainers([project.id]);
});

/** Everything a stream delivers, as text and as offsets. */
function collect(stream) {
  const got = { chunks: [], bytes: 0, end: null, jumps: 0, exit: undefined };
  stream.on("data", ({ data, offset }) => {
    if (got.end !== null && offset !== got.end) got.jumps++;
    got.end = offset + data.length;
    got.bytes += data.length;
    got.chunks.push(data);
  });
  stream.on("exit", ({ code }) => (got.exit = code));
  got.text = () => decoder.decode(Buffer.concat(got.chunks));
  return got;
}

const count = (text, what) => text.split(what).length - 1;
// (A code of 0 is falsy: wait for "defined".)
async function exitOf(got, timeoutMs = 120000) {
  await until("term:exit", () => got.exit !== undefined, timeoutMs);
  return got.exit;
}

test("start, exec over REST and the socket (binary output), stop; project:status follows", async () => {
  const socket = owner.client.connect(project.id, { io: IO });
  const states = [];
  socket.on("project:status", (s) => states.push(s.state));
  try {
    await socket.ready();
    assert.deepEqual(await owner.client.start(project.id), { state: "ready" });
    await until("ready over the socket", () => states.includes("ready"));
    const rest = await owner.client.exec(project.id, { command: "printf 'ok\\n'; printf '\\377\\376' >&2; exit 4" });
    assert.deepEqual([rest.exitCode, rest.stdout, rest.stdoutEncoding, rest.stderrEncoding], [4, "ok\n", "utf8", "base64"]);
    assert.deepEqual([...Buffer.from(rest.stderr, "base64")], [0xff, 0xfe]);
    const viaSocket = await socket.exec({ command: ["sh", "-c", "printf '\\377\\001'"] });
    assert.equal(viaSocket.stdoutEncoding, "binary");
    assert.ok(viaSocket.stdout instanceof Uint8Array);
    assert.deepEqual([...viaSocket.stdout], [0xff, 0x01]);
    assert.equal(viaSocket.exitCode, 0);
    assert.deepEqual(await owner.client.stop(project.id), { state: "stopped" });
    await until("stopped over the socket", () => states.at(-1) === "stopped");
  } finally {
    socket.close();
  }
});

test("a shell terminal: input, output, resize, list, close and exit", async () => {
  const socket = owner.client.connect(project.id, { io: IO });
  try {
    await socket.ready();
    const shell = await socket.openTerminal({ cols: 80, rows: 24 });
    const got = collect(shell);
    await shell.input("echo sum-$((6*7))\r");
    await until("the shell's answer", () => got.text().includes("sum-42"), 20000);
    await shell.resize(100, 30);
    await shell.input("stty size\r");
    await until("the new size", () => got.text().includes("30 100"), 20000);
    const listed = (await socket.listTerminals()).find((t) => t.id === shell.id);
    assert.deepEqual([listed.command, listed.exitCode, listed.attached], [null, null, 1]);
    await shell.close();
    const code = await exitOf(got, 20000);
    assert.equal(code, 129, "SIGHUP from the close");
    assert.equal(shell.exitCode, 129);
    assert.equal(got.jumps, 0);
  } finally {
    socket.close();
  }
});

test("flow: acknowledged output arrives whole; unacknowledged output stops at the window until processed", async () => {
  const socket = owner.client.connect(project.id, { io: IO });
  try {
    await socket.ready();
    // Automatic acks: 1.3 MB, far past the 512 KiB window, arrives whole.
    const auto = await socket.openTerminal({ cols: 80, rows: 24, command: "seq 1 200000", flow: true });
    const all = collect(auto);
    assert.equal(await exitOf(all), 0);
    assert.equal(all.text(), Array.from({ length: 200000 }, (_, i) => `${i + 1}\r\n`).join(""));

    // Manual acks, none yet: the terminal stops reading past the window.
    const manual = await socket.openTerminal({ cols: 80, rows: 24, command: "seq 1 200000", flow: true }, { autoAck: false });
    const held = collect(manual);
    // The server reads a piece (at most 64 KiB) only while the unacked bytes
    // plus one piece fit the 512 KiB window: once more than 448 KiB came,
    // it has stopped reading (what it sent before may still be on its way).
    await until("the window to fill", () => held.bytes > 448 * 1024, 30000);
    await sleep(1500);
    const stalled = held.bytes;
    assert.ok(stalled <= 512 * 1024, `held within the window (${stalled})`);
    assert.equal(held.exit, undefined, "still running: blocked on its TTY");
    await sleep(1000);
    assert.equal(held.bytes, stalled, "nothing more while unacknowledged");
    // Process what came, as it comes: the rest flows.
    manual.processed(held.bytes);
    manual.on("data", ({ data }) => manual.processed(data.length));
    assert.equal(await exitOf(held), 0);
    assert.equal(held.text(), all.text());
    await auto.close();
    await manual.close();
  } finally {
    socket.close();
  }
});

test("after a dropped connection the terminal is attached again and goes on without repeats", async () => {
  const socket = owner.client.connect(project.id, { io: IO });
  const seen = record(socket);
  try {
    await socket.ready();
    const shell = await socket.openTerminal({ cols: 80, rows: 24 });
    const got = collect(shell);
    await shell.input("echo first-$((6*7))\r");
    await until("the first answer", () => got.text().includes("first-42"), 20000);
    await sleep(200);
    socket.raw.io.engine.close(); // the transport drops; socket.io-client reconnects by itself
    await until("a reconnect", () => seen.connects.some((c) => c.reconnect), 15000);
    await until("attached again", () => shell.attached, 15000);
    await shell.input("echo second-$((7*8))\r");
    await until("the second answer", () => got.text().includes("second-56"), 20000);
    const text = got.text();
    assert.equal(count(text, "first-42"), 1, "the replay's overlap with what came live is not repeated");
    assert.equal(got.jumps, 0, "nothing lost in between");
    assert.notEqual(seen.disconnects[0].reason, "io server disconnect", "a transport drop, not a cut");
    await shell.close();
  } finally {
    socket.close();
  }
});
