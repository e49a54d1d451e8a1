// Injected failures, for testing a client's retries, timeouts and limits.
// Not part of the Supabase API. A fault is
//   {kind, count = 1 (-1: until cleared), method?, path? (regex source or RegExp), ...}
// and applies to the next `count` Storage requests it matches (method exact,
// path tested against the URL path, /storage/v1 included). The first matching
// fault with count left wins. Kinds:
//   status   answer an error envelope: status (the body's statusCode, default
//            503), httpStatus (default: status, e.g. a real 429 or 503; give
//            400 for what the real server sends for its own 503s), code
//            (default per status, e.g. 503 DatabaseConnectionLimit, 429
//            SlowDown), message, retryAfter (sets Retry-After)
//   reset    run the request for real (its change happens!), then send the
//            headers and `afterBytes` bytes of the body (default: half) and
//            reset the connection
//   drop     reset the connection at once, before anything runs or is sent
//   hang     accept the request and never answer (until close()/stop())
//   garbage  answer bytes that are not HTTP, then close
//   badchunk a 200 with a chunked body whose chunk size line is not hex
//   huge     where "headers" (default) or "body": an endless-looking answer of
//            `bytes` (default 100 MiB) header lines or body bytes
//   delay    wait `ms` (default 1000), then serve normally
import { FAULT_CODES } from "./errors.mjs";

const KINDS = ["status", "reset", "drop", "hang", "garbage", "badchunk", "huge", "delay"];

function normalise(f) {
  if (!f || !KINDS.includes(f.kind)) throw new Error(`fault kind must be one of ${KINDS.join(", ")}`);
  const count = f.count === undefined ? 1 : f.count === -1 || f.count === Infinity ? Infinity : Number(f.count);
  if (!(count > 0)) throw new Error("fault count must be positive, or -1 for 'until cleared'");
  const path = f.path === undefined ? null : f.path instanceof RegExp ? f.path : new RegExp(f.path);
  return { ...f, count, method: f.method?.toUpperCase() ?? null, path };
}

export class Faults {
  list = [];

  set(faults) {
    const list = faults == null ? [] : Array.isArray(faults) ? faults : [faults];
    this.list = list.map(normalise);
  }

  take(method, path) {
    const f = this.list.find((f) => f.count > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    if (f) f.count -= 1;
    this.list = this.list.filter((x) => x.count > 0);
    return f ?? null;
  }
}

// Resets (RST) where the socket allows it; a TLS socket's TCP handle is
// wrapped, so there a plain destroy is the closest we get.
export function resetSocket(socket) {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

// Writes `total` bytes of `chunk` repeated, at the pace the reader takes
// them, and stops when the connection goes.
async function writeAll(out, chunk, total) {
  const drainOrClose = () =>
    new Promise((resolve) => {
      const done = () => {
        out.off("drain", done).off("close", done);
        resolve();
      };
      out.on("drain", done).on("close", done);
    });
  for (let sent = 0; sent < total && !out.destroyed; sent += chunk.length) {
    if (!out.write(sent + chunk.length <= total ? chunk : chunk.subarray(0, total - sent))) await drainOrClose();
  }
}

// Applies a fault that replaces the answer. Returns false for the kinds that
// let the request go on (delay, reset: the caller handles those).
export async function applyFault(f, req, res) {
  const socket = req.socket;
  switch (f.kind) {
    case "delay":
      await new Promise((r) => setTimeout(r, f.ms ?? 1000));
      return false;
    case "reset":
      return false;
    case "status": {
      const status = f.status ?? 503;
      const code = f.code ?? FAULT_CODES[status] ?? "InternalError";
      const body = JSON.stringify({ statusCode: String(status), error: code, message: f.message ?? "injected fault", code });
      const headers = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) };
      if (f.retryAfter !== undefined) headers["retry-after"] = String(f.retryAfter);
      res.writeHead(f.httpStatus ?? status, headers);
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    }
    case "drop":
      resetSocket(socket);
      return true;
    case "hang": // stop() and close() cut it, with every other connection
      return true;
    case "garbage":
      socket.end(Buffer.from("\x00\x17garbage, not HTTP at all\r\n\xff\xfe\r\n\r\n", "latin1"));
      return true;
    case "badchunk":
      socket.end("HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n" +
        "5\r\nhello\r\nzz-not-hex\r\nmore\r\n0\r\n\r\n");
      return true;
    case "huge": {
      const bytes = f.bytes ?? 100 << 20;
      if (f.where === "body") {
        res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": bytes });
        await writeAll(res, Buffer.alloc(64 << 10, 0x20), bytes);
        res.end();
      } else {
        socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n");
        await writeAll(socket, Buffer.from(`x-filler: ${"a".repeat(1000)}\r\n`.repeat(64)), bytes);
        socket.end("\r\n");
      }
      return true;
    }
  }
}
