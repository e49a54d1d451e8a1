// The REST shapes of docs/API.md, field for field. Timestamps of REST
// resources are ISO 8601 UTC strings; file `mtime`s are ms since the epoch.
import type { StatusErrorCode } from "./errors.js";

export type Role = "owner" | "editor" | "viewer";
export type ProjectState = "stopped" | "starting" | "ready" | "stopping" | "error";

// ---- auth -------------------------------------------------------------------

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface SignUpInput {
  email: string;
  /** 8–128 characters */
  password: string;
  name?: string;
}

export interface LogInInput {
  email: string;
  password: string;
}

/** signup (201), login and refresh (200). */
export interface AuthSession {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** seconds the access token lives (BERTH_ACCESS_TOKEN_TTL) */
  expiresIn: number;
}

// ---- projects -----------------------------------------------------------------

export interface Template {
  id: string;
  name: string;
  description: string;
  image: string;
}

export interface Project {
  id: string;
  name: string;
  description: string;
  templateId: string;
  ownerId: string;
  status: ProjectState;
  /** the caller's role */
  role: Role;
  createdAt: string;
  updatedAt: string;
}

export interface SyncFailure {
  path: string;
  code: string;
  message: string;
}

/** `GET /projects/{id}` and the `sync:status` event. */
export interface SyncState {
  /** changed paths not yet in object storage */
  pending: number;
  /** files storage refused for good; they stay local until changed */
  failed: SyncFailure[];
}

export interface ProjectDetail extends Project {
  sync: SyncState;
}

export interface CreateProjectInput {
  /** 1–100 characters, one line */
  name: string;
  /** ≤ 2000 characters */
  description?: string;
  /** default "blank" */
  templateId?: string;
}

export interface UpdateProjectInput {
  name?: string;
  description?: string;
}

/** DELETE answers 204 when everything is gone, 202 when storage must catch up. */
export type DeleteProjectResult = { deleting: false } | { deleting: true; message: string };

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

// ---- containers -----------------------------------------------------------------

export interface ExecRequest {
  /** a string runs under `sh -c`, an array as is */
  command: string | string[];
  /** relative to /workspace */
  cwd?: string;
  env?: Record<string, string>;
  /** ≤ 3,600,000; default 30,000 */
  timeoutMs?: number;
}

/** REST exec: output that is not UTF-8 comes base64-encoded. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  stdoutEncoding: "utf8" | "base64";
  stderrEncoding: "utf8" | "base64";
  truncated: boolean;
  timedOut: boolean;
}

export interface StartResult {
  state: "ready";
}
export interface StopResult {
  state: "stopped";
}

// ---- files (shared by REST and the socket) ------------------------------------------

export type EntryKind = "file" | "dir" | "symlink";

export interface FileEntry {
  /** relative to the project root, `/`-separated */
  path: string;
  name: string;
  kind: EntryKind;
  /** bytes */
  size: number;
  /** ms since the epoch */
  mtime: number;
  /** SHA-256 of the content (files) */
  version?: string;
}

export interface FileListing {
  /** the project's seq when listed */
  seq: number;
  entries: FileEntry[];
}

export interface FileWritten {
  entry: FileEntry;
  version: string;
  seq: number;
}

export interface FileRead {
  content: Uint8Array;
  /** from the ETag, unquoted */
  version: string;
}

export interface SignedLink {
  /** absolute (resolved against the client's base URL); no Bearer needed */
  url: string;
  expiresAt: string;
}

export interface ArchiveUnpacked {
  files: number;
  folders: number;
  /** entries left out: symbolic links, __MACOSX/ */
  skipped: Array<{ name: string; reason: string }>;
  seq: number;
}

/** `port:opened`, and an entry of GET …/ports: `url` is the port's preview host. */
export interface PortOpened {
  port: number;
  url: string;
  /** open to anyone with the URL (the owner's choice); otherwise a session link is needed */
  public: boolean;
}
export interface PortClosed {
  port: number;
}

/** `project:status`, also sent once at connect. */
export interface ProjectStatus {
  state: ProjectState;
  message?: string;
  code?: StatusErrorCode;
  /** files downloaded so far while a start opens the project */
  progress?: { done: number; total: number };
}
