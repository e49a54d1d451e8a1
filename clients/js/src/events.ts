// The Socket.IO events of docs/API.md ("Socket.IO", "Files", "Terminals"):
// each request's payload and its ack (without `ok`), and each server event.
// Binary fields arrive as a Buffer in Node and an ArrayBuffer in browsers;
// ProjectSocket hands them on as Uint8Array (a Buffer is one).
import type { ErrorBody } from "./errors.js";
import type { EntryKind, ExecRequest, FileEntry, FileListing, PortClosed, PortOpened, ProjectStatus, SyncState } from "./types.js";

/** What may be sent as bytes. */
export type BinaryInput = Uint8Array | ArrayBuffer;

// ---- requests ---------------------------------------------------------------------

export interface FsWrite {
  path: string;
  content: string | BinaryInput;
  /** the version the edit started from: `conflict` when the file moved on */
  baseVersion?: string;
}

export interface TermOpen {
  cols: number;
  rows: number;
  /** run by `sh -c`; without it a login shell */
  command?: string;
  cwd?: string;
  env?: Record<string, string>;
  /** acknowledge output with term:ack (ProjectSocket does it: see TerminalStream) */
  flow?: boolean;
}

export interface TermAttach {
  id: string;
  flow?: boolean;
  cols?: number;
  rows?: number;
}

/** Request payload and ack result of each event. */
export interface Requests {
  "fs:list": [{ path: string; recursive?: boolean }, FileListing];
  "fs:stat": [{ path: string }, { entry: FileEntry }];
  "fs:read": [{ path: string }, FsReadResult];
  "fs:write": [FsWrite, { version: string; seq: number }];
  "fs:create": [{ path: string; kind: "file" | "dir" }, { entry: FileEntry; seq: number }];
  "fs:delete": [{ path: string }, { seq: number }];
  "fs:rename": [{ from: string; to: string; overwrite?: boolean }, { entry: FileEntry; seq: number }];
  "exec:run": [ExecRequest, SocketExecResult];
  "term:open": [TermOpen, { id: string; cols: number; rows: number }];
  "term:attach": [TermAttach, TermAttached];
  "term:input": [{ id: string; data: string | BinaryInput }, Record<string, never>];
  "term:resize": [{ id: string; cols: number; rows: number }, Record<string, never>];
  "term:ack": [{ id: string; bytes: number }, Record<string, never>];
  "term:close": [{ id: string }, Record<string, never>];
  "term:list": [Record<string, never>, { terminals: TerminalInfo[] }];
}
export type RequestEvent = keyof Requests;
export type RequestOf<E extends RequestEvent> = Requests[E][0];
export type ResultOf<E extends RequestEvent> = Requests[E][1];

/** The events whose ack carries the seq they were given. */
export const CHANGING_EVENTS = ["fs:write", "fs:create", "fs:delete", "fs:rename"] as const;

/** An ack as it arrives. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export type FsReadResult =
  | { encoding: "utf8"; content: string; version: string; size: number }
  | { encoding: "binary"; content: Uint8Array; version: string; size: number };

/** exec:run: output that is not UTF-8 is binary rather than base64. */
export interface SocketExecResult {
  exitCode: number;
  stdout: string | Uint8Array;
  stderr: string | Uint8Array;
  stdoutEncoding: "utf8" | "binary";
  stderrEncoding: "utf8" | "binary";
  truncated: boolean;
  timedOut: boolean;
}

export interface TermAttached {
  cols: number;
  rows: number;
  /** the terminal's recent output */
  scrollback: Uint8Array;
  /** position of scrollback's first byte in the terminal's output */
  offset: number;
  /** null while running */
  exitCode: number | null;
}

export interface TerminalInfo {
  id: string;
  /** null for the shell */
  command: string | null;
  cols: number;
  rows: number;
  attached: number;
  startedAt: string;
  exitCode: number | null;
}

// ---- server → client ---------------------------------------------------------------

export type ChangeOp = "created" | "modified" | "deleted" | "renamed";

export interface FileChange {
  op: ChangeOp;
  path: string;
  /** renamed: the old path */
  from?: string;
  kind: EntryKind;
  version?: string;
  origin: "editor" | "container";
  /** the user id, on the editor's changes */
  by?: string;
}

/** One window of changes, seqs firstSeq…seq; a writer's own are left out. */
export interface FsChanged {
  firstSeq: number;
  seq: number;
  events: FileChange[];
}

export interface TermData {
  id: string;
  offset: number;
  data: Uint8Array;
}

export interface TermExit {
  id: string;
  /** 129 after a close's SIGHUP; -1 when the engine could not tell */
  code: number;
}

export interface TermDetached {
  id: string;
  reason: "slow";
}

export interface ServerEvents {
  "project:status": ProjectStatus;
  "sync:status": SyncState;
  "fs:changed": FsChanged;
  "term:data": TermData;
  "term:exit": TermExit;
  "term:detached": TermDetached;
  "port:opened": PortOpened;
  "port:closed": PortClosed;
}
export type ServerEvent = keyof ServerEvents;
