// ProjectSocket: one project's Socket.IO connection (docs/API.md
// "Socket.IO"), over the official socket.io-client. Requests are promises
// that resolve with the ack's fields or reject with a BerthError; server
// events are typed and binary fields are Uint8Array; the change seq is
// tracked to report missed fs:changed packets (`resync`); terminals are
// TerminalStreams with flow control that re-attach after a reconnect.
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { Emitter } from "./emitter.js";
import { BerthError, isErrorBody, preview } from "./errors.js";
import {
  CHANGING_EVENTS, type Ack, type FsChanged, type FsReadResult, type RequestEvent, type RequestOf, type ResultOf,
  type ServerEvents, type SocketExecResult, type TermAttach, type TermAttached, type TermData, type TermOpen,
  type TerminalInfo,
} from "./events.js";
import { SeqTracker, type Gap } from "./seq.js";
import { TerminalStream, type TerminalTransport } from "./terminal.js";
import type { ExecRequest, FileEntry, FileListing, ProjectStatus } from "./types.js";

export interface ProjectSocketOptions {
  /** the server, e.g. "http://localhost:3000" */
  url: string;
  projectId: string;
  /** a fresh access token, asked for at every (re)connect */
  token: () => Promise<string>;
  /** refreshes after a refusal of `stale` as unauthorized; answers the new token */
  refreshToken?: (stale: string) => Promise<string>;
  /** how long a request waits for its ack (ms), default 30 000 */
  timeoutMs?: number;
  /**
   * writes of more bytes than this go over REST (`largeWrite`), since the
   * server refuses Socket.IO messages over its BERTH_MAX_BODY (1 MB by
   * default); default 512 KiB
   */
  maxSocketWriteBytes?: number;
  /** the REST write used for large files (BerthClient.connect sets it) */
  largeWrite?: (path: string, content: Uint8Array, options: { baseVersion?: string }) => Promise<{ version: string; seq: number }>;
  /** more socket.io-client options (transports, reconnection delays …) */
  io?: Partial<ManagerOptions & SocketOptions>;
  /** attach this socket's terminals again after a reconnect (default true) */
  reattachTerminals?: boolean;
  /**
   * after a reconnect, list the root (not recursively) to learn whether
   * changes were missed meanwhile, and raise `resync` if so (default true;
   * without it the next fs:changed shows the gap)
   */
  checkSeqOnReconnect?: boolean;
}

export interface ProjectSocketEvents extends ServerEvents {
  /** connected (again, when `reconnect`); project:status follows */
  connect: { reconnect: boolean };
  disconnect: { reason: string };
  /** the server will not let this socket in (not a member, project gone, logged out): it stays closed */
  refused: BerthError;
  /** fs:changed packets were missed: call reload() */
  resync: Gap;
}

/**
 * Packets for changes a listing counted may still be on their way (the
 * server coalesces changes in 10 ms windows): a partial listing's seq is
 * checked for gaps after this long.
 */
const LISTING_SETTLE_MS = 200;

export class ProjectSocket extends Emitter<ProjectSocketEvents> {
  readonly projectId: string;
  /** the socket.io-client socket, for what this class does not cover */
  readonly raw: Socket;
  /** the last project:status */
  status: ProjectStatus | null = null;
  private readonly timeoutMs: number;
  private readonly seqs = new SeqTracker((gap) => this.emit("resync", gap));
  private readonly terminals = new Map<string, TerminalStream>();
  /** term:data/term:exit of terminals whose term:open ack is still on its way */
  private early = new Map<string, Array<() => void>>();
  private opening = 0;
  private lastToken: string | null = null;
  private tokenError: unknown = null;
  private refreshedAfterRefusal = false;
  private everConnected = false;
  private connectedAt = 0;
  private retryDelay = 0;
  private closedByUs = false;
  private refusal: BerthError | null = null;

  constructor(private readonly options: ProjectSocketOptions) {
    super();
    this.projectId = options.projectId;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.raw = io(options.url, {
      path: "/socket.io/",
      forceNew: true,
      ...options.io,
      // A function: every (re)connect asks for a token, refreshed when stale.
      auth: (cb) => {
        options.token().then(
          (token) => {
            this.lastToken = token;
            this.tokenError = null;
            cb({ token, projectId: this.projectId });
          },
          (error) => {
            this.lastToken = null;
            this.tokenError = error;
            cb({ token: "", projectId: this.projectId }); // refused as unauthorized, then reported
          },
        );
      },
    });
    this.listen();
  }

  /** Every seq up to this one is accounted for (null before a listing). */
  get seq(): number | null {
    return this.seqs.last;
  }

  get connected(): boolean {
    return this.raw.connected;
  }

  /** Resolves with the project's status once connected; rejects if refused. */
  ready(): Promise<ProjectStatus> {
    if (this.refusal) return Promise.reject(this.refusal);
    if (this.raw.connected && this.status) return Promise.resolve(this.status);
    return new Promise((resolve, reject) => {
      const offStatus = this.once("project:status", (s) => (offRefused(), resolve(s)));
      const offRefused = this.once("refused", (e) => (offStatus(), reject(e)));
    });
  }

  close(): void {
    this.closedByUs = true;
    this.raw.disconnect();
  }

  // ---- files ----------------------------------------------------------------------

  /** Lists a folder; the root listed recursively is a full view and resets the seq. */
  async list(path = "", options: { recursive?: boolean } = {}): Promise<FileListing> {
    const listing = await this.request("fs:list", options.recursive ? { path, recursive: true } : { path });
    if (options.recursive && path === "") this.seqs.baseline(listing.seq);
    else setTimeout(() => this.seqs.exists(listing.seq), LISTING_SETTLE_MS);
    return listing;
  }

  /** The whole tree again, after a `resync`: the seq starts over from it. */
  reload(): Promise<FileListing> {
    return this.list("", { recursive: true });
  }

  async stat(path: string): Promise<FileEntry> {
    return (await this.request("fs:stat", { path })).entry;
  }

  read(path: string): Promise<FsReadResult> {
    return this.request("fs:read", { path });
  }

  /** Over the socket, or over REST past `maxSocketWriteBytes`: the same answer and the same fs:changed either way. */
  async write(path: string, content: string | Uint8Array | ArrayBuffer, options: { baseVersion?: string } = {}) {
    const bytes = typeof content === "string" ? null : content instanceof Uint8Array ? content : new Uint8Array(content);
    const size = bytes ? bytes.byteLength : (content as string).length * 3;  // a string's UTF-8 is at most 3 bytes per UTF-16 unit
    if (this.options.largeWrite && size > (this.options.maxSocketWriteBytes ?? 512 * 1024)) {
      const body = bytes ?? new TextEncoder().encode(content as string);
      if (body.byteLength > (this.options.maxSocketWriteBytes ?? 512 * 1024)) {
        // Its seq comes back in the answer (and, as a REST change, in an fs:changed to this socket too).
        this.seqs.begin();
        let seq: number | undefined;
        try {
          const written = await this.options.largeWrite(path, body, options);
          seq = written.seq;
          return { version: written.version, seq: written.seq };
        } finally {
          this.seqs.end(seq);
        }
      }
    }
    return this.request("fs:write", { path, content, ...options });
  }

  create(path: string, kind: "file" | "dir") {
    return this.request("fs:create", { path, kind });
  }

  delete(path: string) {
    return this.request("fs:delete", { path });
  }

  rename(from: string, to: string, options: { overwrite?: boolean } = {}) {
    return this.request("fs:rename", { from, to, ...options });
  }

  exec(request: ExecRequest): Promise<SocketExecResult> {
    return this.request("exec:run", request);
  }

  // ---- terminals ---------------------------------------------------------------------

  /** Opens a terminal; this socket is attached from its first byte. */
  async openTerminal(request: TermOpen, options: { autoAck?: boolean } = {}): Promise<TerminalStream> {
    this.opening++;
    try {
      let stream: TerminalStream | undefined;
      // Registered inside the ack's callback, before the term:data that follows it.
      await this.request("term:open", request, (r) => {
        stream = new TerminalStream(this.transport, r.id, request.flow ?? false, options.autoAck ?? true);
        this.terminals.set(r.id, stream);
        this.replayEarly(r.id);
      });
      return stream!;
    } finally {
      if (--this.opening === 0) this.early.clear();
    }
  }

  /** Attaches to a terminal of the project (any member's): its scrollback comes first as `data`. */
  async attachTerminal(id: string, options: Omit<TermAttach, "id"> & { autoAck?: boolean } = {}): Promise<TerminalStream> {
    const { autoAck, ...request } = options;
    const stream = this.terminals.get(id) ?? new TerminalStream(this.transport, id, request.flow ?? false, autoAck ?? true);
    await this.transport.attach({ ...request, id }, stream);
    return stream;
  }

  async listTerminals(): Promise<TerminalInfo[]> {
    return (await this.request("term:list", {})).terminals;
  }

  private readonly transport: TerminalTransport = {
    send: (event, payload) => void this.raw.emit(event, payload),
    input: async (id, data) => void (await this.request("term:input", { id, data })),
    resize: async (id, cols, rows) => void (await this.request("term:resize", { id, cols, rows })),
    close: async (id) => {
      await this.request("term:close", { id });
    },
    attach: (request, stream) =>
      this.request("term:attach", request, (r) => {
        this.terminals.set(request.id, stream);
        stream.attachedWith(r, request.flow ?? false);
      }),
  };

  // ---- requests ------------------------------------------------------------------------

  /**
   * Sends `event` and resolves with its ack (binary fields as Uint8Array),
   * or rejects with a BerthError. `onOk` runs inside the ack's callback,
   * before any later packet is handled.
   */
  request<E extends RequestEvent>(event: E, payload: RequestOf<E>, onOk?: (result: ResultOf<E>) => void): Promise<ResultOf<E>> {
    const changing = (CHANGING_EVENTS as readonly string[]).includes(event);
    if (changing) this.seqs.begin();
    return new Promise<ResultOf<E>>((resolve, reject) => {
      this.raw.timeout(this.timeoutMs).emit(event, payload, (err: Error | null, ack: Ack<ResultOf<E>>) => {
        let seq: number | undefined;
        try {
          if (err) throw socketError(err, event);
          if (!ack || typeof ack !== "object") throw new BerthError("bad_response", `${event}: an ack that is not an object: ${preview(ack)}`, 0);
          if (ack.ok !== true) throw isErrorBody((ack as { error?: unknown }).error) ? BerthError.from((ack as { error: unknown }).error) : new BerthError("bad_response", `${event}: ${preview(ack)}`, 0);
          const { ok: _ok, ...fields } = ack;
          const result = withBytes(fields) as ResultOf<E>;
          if (changing) seq = (result as { seq?: number }).seq;
          onOk?.(result);
          resolve(result);
        } catch (error) {
          reject(error);
        } finally {
          if (changing) this.seqs.end(seq);
        }
      });
    });
  }

  // ---- events ----------------------------------------------------------------------------

  private listen(): void {
    const raw = this.raw;
    raw.on("connect", () => {
      const reconnect = this.everConnected;
      this.everConnected = true;
      this.connectedAt = Date.now();
      this.refreshedAfterRefusal = false;
      this.refusal = null;
      this.emit("connect", { reconnect });
      if (!reconnect) return;
      // Changes made while this socket was away reach it by no packet: a
      // listing's seq tells whether there were any.
      if (this.seqs.last !== null && (this.options.checkSeqOnReconnect ?? true)) this.list("").catch(() => {});
      if (this.options.reattachTerminals ?? true)
        for (const stream of this.terminals.values()) if (stream.exitCode === null) stream.attach().catch(() => {});
    });
    raw.on("disconnect", (reason) => {
      for (const stream of this.terminals.values()) stream.disconnected();
      this.emit("disconnect", { reason });
      // The server cut the socket (its token expired, or access ended):
      // socket.io-client leaves that to us. A fresh token gets back in, or
      // the server refuses with a reason. Quick repeats back off.
      if (reason === "io server disconnect" && !this.closedByUs) this.reconnectSoon(Date.now() - this.connectedAt > 5000);
    });
    raw.on("connect_error", (err: Error & { data?: { code?: string } }) => {
      const code = err.data?.code;
      if (!code) return; // the transport failed: socket.io-client tries again by itself
      if (code === "unauthorized" && this.tokenError) {
        // No token to send: logged out for good, or a refresh that failed for now (network, 503).
        const e = asBerthError(this.tokenError);
        return e.code === "logged_out" || e.status === 401 || e.status === 400 ? this.refuse(e) : this.reconnectSoon(false);
      }
      // An unauthorized token (revoked key, clock skew): refresh once, try again.
      if (code === "unauthorized" && !this.refreshedAfterRefusal && this.options.refreshToken && this.lastToken) {
        this.refreshedAfterRefusal = true;
        this.options.refreshToken(this.lastToken).then(() => raw.connect(), (e) => this.refuse(asBerthError(e)));
        return;
      }
      this.refuse(new BerthError(code, err.message));
    });
    raw.on("project:status", (s: ProjectStatus) => {
      this.status = s;
      this.emit("project:status", s);
    });
    raw.on("sync:status", (s) => this.emit("sync:status", s));
    raw.on("port:opened", (p) => this.emit("port:opened", p));
    raw.on("port:closed", (p) => this.emit("port:closed", p));
    raw.on("fs:changed", (c: FsChanged) => {
      this.emit("fs:changed", c);
      this.seqs.changed(c.firstSeq, c.seq);
    });
    raw.on("term:data", (m: TermData) => {
      const message = { ...m, data: toBytes(m.data) };
      this.emit("term:data", message);
      this.toTerminal(m.id, (t) => t.data(message));
    });
    raw.on("term:exit", (m: { id: string; code: number }) => {
      this.emit("term:exit", m);
      this.toTerminal(m.id, (t) => t.exited(m.code));
    });
    raw.on("term:detached", (m: { id: string; reason: "slow" }) => {
      this.emit("term:detached", m);
      this.toTerminal(m.id, (t) => t.detached(m.reason));
    });
  }

  // socket.io-client does not reconnect after a server's disconnect or a
  // refusal: this does, at once after a long connection, else backing off.
  private reconnectSoon(afterLongConnection: boolean): void {
    this.retryDelay = afterLongConnection ? 0 : Math.min(30_000, Math.max(500, this.retryDelay * 2));
    setTimeout(() => !this.closedByUs && !this.raw.connected && this.raw.connect(), this.retryDelay);
  }

  private refuse(error: BerthError): void {
    this.refusal = error;
    this.emit("refused", error);
  }

  // A term:data may overtake the term:open ack that names its terminal.
  private toTerminal(id: string, deliver: (t: TerminalStream) => void): void {
    const stream = this.terminals.get(id);
    if (stream) return deliver(stream);
    if (this.opening === 0) return;
    let queue = this.early.get(id);
    if (!queue) this.early.set(id, (queue = []));
    queue.push(() => deliver(this.terminals.get(id)!));
  }

  private replayEarly(id: string): void {
    const queue = this.early.get(id);
    this.early.delete(id);
    for (const deliver of queue ?? []) deliver();
  }
}

function socketError(err: Error, event: string): BerthError {
  const timedOut = /timed out/i.test(err.message);
  return new BerthError(timedOut ? "ack_timeout" : "disconnected", `${event}: ${err.message}`, 0, { cause: err });
}

function asBerthError(e: unknown): BerthError {
  return e instanceof BerthError ? e : new BerthError("unauthorized", String((e as Error)?.message ?? e), 401, { cause: e });
}

/** Buffers and ArrayBuffers as Uint8Array (a Buffer already is one). */
export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new BerthError("bad_response", `expected binary data, got ${preview(v)}`, 0);
}

// The binary fields of acks: fs:read's content, exec's output, an attach's scrollback.
function withBytes(fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fields };
  if (out.encoding === "binary") out.content = toBytes(out.content);
  if (out.stdoutEncoding === "binary") out.stdout = toBytes(out.stdout);
  if (out.stderrEncoding === "binary") out.stderr = toBytes(out.stderr);
  if ("scrollback" in out) out.scrollback = toBytes(out.scrollback);
  return out;
}

