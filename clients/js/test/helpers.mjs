// Shared by the client's tests: a real `berth serve` (tests/js/lib/berth.mjs),
// users signed up through the client itself, and waiting helpers.
import { randomBytes } from "node:crypto";
import { BerthClient } from "../dist/index.js";

export { startBerth } from "../../../tests/js/lib/berth.mjs";
export { signHs256 } from "../../../tests/js/lib/jwt.mjs";

export const PASSWORD = "correct horse battery";
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let counter = 0;
export const uniqueEmail = (name) => `${name}-${process.pid}-${++counter}-${randomBytes(3).toString("hex")}@example.test`;

/** A token storage that remembers every save, for asserting rotations and log-outs. */
export function memoryStorage(initial = null) {
  const saves = [];
  return {
    saves,
    current: initial,
    load() {
      return this.current;
    },
    save(tokens) {
      saves.push(tokens);
      this.current = tokens;
    },
  };
}

/** A client with a fresh signed-up user: {client, session, storage, loggedOut}. */
export async function newUser(berth, name = "user", options = {}) {
  const storage = memoryStorage();
  const loggedOut = [];
  const client = new BerthClient({ baseUrl: berth.url, storage, onLoggedOut: (e) => loggedOut.push(e), ...options });
  const session = await client.signUp({ email: uniqueEmail(name), password: PASSWORD, name });
  return { client, session, storage, loggedOut, user: session.user };
}

/** Waits until `fn()` is truthy (polling), or fails naming `what`. */
export async function until(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The next `event` of an emitter (ProjectSocket, TerminalStream), or a timeout. */
export function next(emitter, event, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no ${event} within ${timeoutMs} ms`))), timeoutMs);
    const off = emitter.once(event, (payload) => (clearTimeout(timer), resolve(payload)));
  });
}

/** Records a ProjectSocket's events: fs:changed packets, resyncs, connects. */
export function record(socket) {
  const seen = { changes: [], resyncs: [], connects: [], disconnects: [], refused: [] };
  socket.on("fs:changed", (c) => seen.changes.push(c));
  socket.on("resync", (g) => seen.resyncs.push(g));
  socket.on("connect", (c) => seen.connects.push(c));
  socket.on("disconnect", (d) => seen.disconnects.push(d));
  socket.on("refused", (e) => seen.refused.push(e));
  return seen;
}

export const eventsOf = (packets) => packets.flatMap((p) => p.events);
