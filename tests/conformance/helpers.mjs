// Small clients for the raw protocols: a WebSocket whose messages queue up
// until a test asks for them, and fetch wrappers for long-polling.
import { WebSocket } from "ws";

export const BASE = process.env.BERTH_CONFORMANCE_URL ?? "http://127.0.0.1:3000";
export const WS_BASE = BASE.replace(/^http/, "ws");
export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

export function url(path, params = {}) {
  const u = new URL(path, BASE);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

// Fails the awaiting test instead of hanging it.
export function within(ms, promise, what = "event") {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    }),
  ]);
}

export class Peer {
  constructor(path, params) {
    const u = new URL(path, WS_BASE);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    this.ws = new WebSocket(u.toString());
    this.ws.binaryType = "nodebuffer";
    this.inbox = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => this.ws.on("close", (code) => resolve(code)));
    this.opened = new Promise((resolve, reject) => {
      this.ws.on("open", resolve);
      this.ws.on("error", reject);
    });
    this.opened.catch(() => {});
    this.ws.on("message", (data, isBinary) => {
      const item = isBinary ? Buffer.from(data) : data.toString();
      const w = this.waiters.shift();
      if (w) w(item);
      else this.inbox.push(item);
    });
  }

  // The next message; pings ("2") are answered and skipped when skipPings.
  async next({ skipPings = true, timeout = 2000 } = {}) {
    for (;;) {
      const m = await within(
        timeout,
        this.inbox.length ? Promise.resolve(this.inbox.shift()) : new Promise((r) => this.waiters.push(r)),
        "message",
      );
      if (skipPings && m === "2") {
        this.send("3");
        continue;
      }
      return m;
    }
  }

  send(data) {
    this.ws.send(data);
  }

  close() {
    this.ws.close();
  }
}

// An Engine.IO session over WebSocket, past its open packet.
export async function engineSocket(path) {
  const peer = new Peer(path, { EIO: "4", transport: "websocket" });
  const open = await peer.next();
  peer.handshake = JSON.parse(open.slice(1));
  return peer;
}

// A Socket.IO connection to a namespace, past CONNECT and the server's "auth" event.
export async function ioSocket(nsp = "/", auth) {
  const peer = await engineSocket("/socket.io/");
  const prefix = nsp === "/" ? "" : `${nsp},`;
  peer.send(`40${prefix}${auth === undefined ? "" : JSON.stringify(auth)}`);
  const connect = await peer.next();
  peer.sid = JSON.parse(connect.slice(2 + prefix.length)).sid;
  peer.auth = await peer.next();
  return peer;
}

export async function openPolling(path) {
  const res = await fetch(url(path, { EIO: "4", transport: "polling" }));
  const text = await res.text();
  return JSON.parse(text.slice(1)).sid;
}

export async function poll(path, sid, extra = {}) {
  const res = await fetch(url(path, { EIO: "4", transport: "polling", sid, ...extra }));
  return { status: res.status, body: await res.text() };
}

export async function push(path, sid, body) {
  const res = await fetch(url(path, { EIO: "4", transport: "polling", sid }), { method: "POST", body });
  return { status: res.status, body: await res.text() };
}
