// The terminal side of a Socket.IO client for the terminal tests: what each
// terminal sent (term:data chunks with their offsets, term:exit,
// term:detached), requests with acks, and waits on the output.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { io } from "socket.io-client";
import { docker, sleep } from "../docker/helpers.mjs";

// What one socket received of one terminal: chunks in arrival order, the
// scrollback of an attach first. `gaps` counts chunks that did not start
// where the previous one ended.
class Received {
  chunks = [];
  start = null;
  end = null;
  gaps = 0;
  bytes = 0;
  exit = undefined;
  detached = undefined;
  sink = null;  // when set, chunks go to it instead of being kept (floods)
  add(offset, buf) {
    if (this.end !== null && offset !== this.end) this.gaps++;
    if (this.start === null) this.start = offset;
    this.end = offset + buf.length;
    this.bytes += buf.length;
    if (this.sink) this.sink(buf);
    else this.chunks.push(buf);
  }
  text() {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

export class Client {
  constructor(socket) {
    this.socket = socket;
    this.terms = new Map();
    this.opened = [];
    socket.on("term:data", (m) => {
      assert.ok(Buffer.isBuffer(m.data), "term:data carries bytes");
      this.of(m.id).add(m.offset, m.data);
    });
    socket.on("term:exit", (m) => (this.of(m.id).exit = m.code));
    socket.on("term:detached", (m) => (this.of(m.id).detached = m.reason));
  }
  of(tid) {
    if (!this.terms.has(tid)) this.terms.set(tid, new Received());
    return this.terms.get(tid);
  }
  call(event, body) {
    return this.socket.timeout(30000).emitWithAck(event, body);
  }
  async open(body = {}) {
    const r = await this.call("term:open", { cols: 80, rows: 24, ...body });
    assert.equal(r.ok, true, JSON.stringify(r));
    this.opened.push(r.id);
    return r.id;
  }
  // The scrollback is recorded in the ack's own callback, before any later
  // term:data is handled.
  attach(tid, body = {}) {
    return new Promise((resolve, reject) => {
      this.socket.timeout(30000).emit("term:attach", { id: tid, ...body }, (err, r) => {
        if (err) return reject(err);
        if (r.ok) {
          this.terms.set(tid, new Received());
          this.of(tid).add(r.offset, r.scrollback);
        }
        resolve(r);
      });
    });
  }
  type(tid, text) {
    return this.call("term:input", { id: tid, data: text });
  }
  async waitFor(tid, what, timeoutMs = 20000) {
    const test = typeof what === "string" ? (t) => t.includes(what) : what;
    const deadline = Date.now() + timeoutMs;
    while (!test(this.of(tid).text())) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what} in terminal output:\n${JSON.stringify(this.of(tid).text().slice(-2000))}`);
      await sleep(20);
    }
  }
  async waitExit(tid, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    while (this.of(tid).exit === undefined) {
      if (Date.now() > deadline) throw new Error("timed out waiting for term:exit");
      await sleep(20);
    }
    return this.of(tid).exit;
  }
  close() {
    this.socket.close();
  }
  // For finally blocks: closes the terminals this client opened (ignoring
  // errors: most are closed already), so a failed test leaves none running.
  async done() {
    for (const tid of this.opened) await this.call("term:close", { id: tid }).catch(() => {});
    this.socket.close();
  }
}

export function connectTo(berth, user, projectId) {
  return new Promise((resolve, reject) => {
    const socket = io(berth.url, {
      auth: (cb) => cb({ token: user.accessToken, projectId }),
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    const client = new Client(socket);
    socket.once("project:status", () => resolve(client));
    socket.once("connect_error", reject);
  });
}

// A sink that checks a stream repeats `unit` from its first byte on, for
// outputs too large to keep ("y\r\n" of yes through the TTY).
export function repeating(unit) {
  const pattern = Buffer.from(unit);
  let phase = 0;
  return (chunk) => {
    for (let i = 0; i < chunk.length; i++, phase = (phase + 1) % pattern.length)
      if (chunk[i] !== pattern[phase]) assert.fail(`byte ${i} of a chunk is ${chunk[i]}, not ${pattern[phase]}`);
  };
}

// Resident memory of a process in bytes, from /proc.
export function rssOf(pid) {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
}

export const count = (text, what) => text.split(what).length - 1;

// Every process of a project's container, with its arguments: procps's ps
// needs -e to list processes of other terminals, busybox's has no -e.
export function processesOf(projectId) {
  return docker("exec", `berth-${projectId}`, "sh", "-c", "ps -e -o pid,args 2>/dev/null || ps -o pid,args");
}

// Lines n, n+1, … 200000 after the first (possibly cut) line.
export function assertContiguousNumbers(text) {
  const lines = text.split("\r\n");
  assert.equal(lines.at(-1), "", "ends with the last line");
  const numbers = lines.slice(1, -1).map(Number);
  assert.ok(numbers.length > 0);
  assert.equal(numbers.at(-1), 200000);
  for (let i = 1; i < numbers.length; i++)
    if (numbers[i] !== numbers[i - 1] + 1) assert.fail(`line ${i}: ${numbers[i - 1]} then ${numbers[i]}`);
}
