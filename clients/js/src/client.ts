// BerthClient: the REST API of docs/API.md over fetch, with the tokens.
//
// Token rules: every call sends the current access token; one that is about
// to expire (expiresIn) is refreshed first, and a call answered 401 is
// refreshed and sent again, once. Refreshes are shared: any number of calls
// that find the token stale cause one refresh, as each refresh token works
// only once. A refresh the server refuses ends the session: the tokens are
// dropped and `onLoggedOut` is called.
import { BerthError, preview } from "./errors.js";
import type { BinaryInput } from "./events.js";
import { ProjectSocket, type ProjectSocketOptions } from "./socket.js";
import { isExpiring, type Tokens, type TokenStorage } from "./tokens.js";
import type {
  ArchiveUnpacked, AuthSession, PortOpened, CreateProjectInput, DeleteProjectResult, ExecRequest, ExecResult, FileListing,
  FileRead, FileWritten, LogInInput, Member, Project, ProjectDetail, Role, SignedLink, SignUpInput, StartResult,
  StopResult, Template, UpdateProjectInput, User,
} from "./types.js";

export interface BerthClientOptions {
  /** the server, e.g. "http://localhost:3000" (no /api/v1) */
  baseUrl: string;
  /** keeps tokens across sessions; loaded on the first call */
  storage?: TokenStorage;
  /** the session ended by itself: the refresh token was refused */
  onLoggedOut?: (error: BerthError) => void;
  /** defaults to the global fetch */
  fetch?: typeof fetch;
}

type Body = string | BinaryInput | Blob;

interface CallOptions {
  json?: unknown;
  body?: Body;
  headers?: Record<string, string>;
  query?: Record<string, string | undefined>;
  /** false for the auth routes that take no token */
  auth?: boolean;
}

export class BerthClient {
  readonly baseUrl: string;
  private readonly storage: TokenStorage | undefined;
  private readonly onLoggedOut: ((error: BerthError) => void) | undefined;
  private readonly fetchImpl: typeof fetch;
  private tokens: Tokens | null = null;
  private loaded: Promise<void> | null = null;
  private refreshing: Promise<Tokens> | null = null;

  constructor(options: BerthClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.storage = options.storage;
    this.onLoggedOut = options.onLoggedOut;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  // ---- tokens ---------------------------------------------------------------------

  /** The tokens held now (after loading them from storage), or null. */
  async currentTokens(): Promise<Tokens | null> {
    this.loaded ??= (async () => {
      if (this.storage && !this.tokens) this.tokens = (await this.storage.load()) ?? null;
    })();
    await this.loaded;
    return this.tokens;
  }

  /** An access token good for a while: refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    const tokens = await this.currentTokens();
    if (!tokens) throw new BerthError("logged_out", "not logged in: call logIn or signUp first", 0);
    if (!isExpiring(tokens)) return tokens.accessToken;
    return (await this.refreshShared(tokens.accessToken)).accessToken;
  }

  /** Rotates the pair now (the old refresh token is spent). */
  async refresh(): Promise<Tokens> {
    const tokens = await this.currentTokens();
    return this.refreshShared(tokens?.accessToken ?? null);
  }

  /**
   * Refreshes unless another refresh already replaced `stale`: then its
   * result is the answer. Calls that saw the same stale token share one.
   */
  refreshShared(stale: string | null): Promise<Tokens> {
    if (this.refreshing) return this.refreshing;
    if (this.tokens && stale !== null && this.tokens.accessToken !== stale && !isExpiring(this.tokens))
      return Promise.resolve(this.tokens);
    this.refreshing = this.rotate().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async rotate(): Promise<Tokens> {
    const refreshToken = (await this.currentTokens())?.refreshToken;
    if (!refreshToken) throw new BerthError("logged_out", "not logged in: no refresh token", 0);
    try {
      const session = await this.call<AuthSession>("POST", "/auth/refresh", { json: { refreshToken }, auth: false });
      return await this.adopt(session);
    } catch (error) {
      // Refused (spent, revoked, expired): the session is over. A network
      // failure or a server error is not: the tokens stay for a retry.
      if (error instanceof BerthError && (error.status === 401 || error.status === 400)) {
        await this.setTokens(null);
        this.onLoggedOut?.(error);
      }
      throw error;
    }
  }

  private async adopt(session: AuthSession): Promise<Tokens> {
    const tokens: Tokens = {
      accessToken: session.accessToken,
      refreshToken: session.refreshToken,
      expiresIn: session.expiresIn,
      expiresAt: Date.now() + session.expiresIn * 1000,
    };
    await this.setTokens(tokens);
    return tokens;
  }

  private async setTokens(tokens: Tokens | null): Promise<void> {
    await this.currentTokens();
    this.tokens = tokens;
    await this.storage?.save(tokens);
  }

  // ---- auth -------------------------------------------------------------------------

  async signUp(input: SignUpInput): Promise<AuthSession> {
    const session = await this.call<AuthSession>("POST", "/auth/signup", { json: input, auth: false });
    await this.adopt(session);
    return session;
  }

  async logIn(input: LogInInput): Promise<AuthSession> {
    const session = await this.call<AuthSession>("POST", "/auth/login", { json: input, auth: false });
    await this.adopt(session);
    return session;
  }

  /** Spends the refresh token at the server and forgets both tokens (no onLoggedOut). */
  async logOut(): Promise<void> {
    const refreshToken = (await this.currentTokens())?.refreshToken;
    try {
      if (refreshToken) await this.call("POST", "/auth/logout", { json: { refreshToken }, auth: false });
    } finally {
      await this.setTokens(null);
    }
  }

  async me(): Promise<User> {
    return (await this.call<{ user: User }>("GET", "/auth/me")).user;
  }

  // ---- projects -----------------------------------------------------------------------

  async templates(): Promise<Template[]> {
    return (await this.call<{ templates: Template[] }>("GET", "/templates")).templates;
  }

  /** The caller's projects, newest change first. */
  async listProjects(): Promise<Project[]> {
    return (await this.call<{ projects: Project[] }>("GET", "/projects")).projects;
  }

  createProject(input: CreateProjectInput): Promise<Project> {
    return this.call("POST", "/projects", { json: input });
  }

  getProject(id: string): Promise<ProjectDetail> {
    return this.call("GET", projectPath(id));
  }

  updateProject(id: string, changes: UpdateProjectInput): Promise<Project> {
    return this.call("PATCH", projectPath(id), { json: changes });
  }

  async deleteProject(id: string): Promise<DeleteProjectResult> {
    const answer = await this.call<{ deleting: true; message: string } | null>("DELETE", projectPath(id));
    return answer ?? { deleting: false };
  }

  async members(id: string): Promise<Member[]> {
    return (await this.call<{ members: Member[] }>("GET", projectPath(id, "/members"))).members;
  }

  /** Adds a member or changes their role (owner only; 404 if the user never signed in). */
  putMember(id: string, userId: string, role: Role): Promise<Member> {
    return this.call("PUT", projectPath(id, "/members/" + encodeURIComponent(userId)), { json: { role } });
  }

  /** Adds the user with this email (any case) or changes their role (owner only; 404 when no account uses it). */
  addMember(id: string, email: string, role: Role): Promise<Member> {
    return this.call("POST", projectPath(id, "/members"), { json: { email, role } });
  }

  async removeMember(id: string, userId: string): Promise<void> {
    await this.call("DELETE", projectPath(id, "/members/" + encodeURIComponent(userId)));
  }

  start(id: string): Promise<StartResult> {
    return this.call("POST", projectPath(id, "/start"));
  }

  stop(id: string): Promise<StopResult> {
    return this.call("POST", projectPath(id, "/stop"));
  }

  exec(id: string, request: ExecRequest): Promise<ExecResult> {
    return this.call("POST", projectPath(id, "/exec"), { json: request });
  }

  // ---- files and archives ---------------------------------------------------------------

  listFiles(id: string, path = "", options: { recursive?: boolean } = {}): Promise<FileListing> {
    const query = { path, recursive: options.recursive ? "true" : undefined };
    return this.call("GET", projectPath(id, "/files"), { query });
  }

  async readFile(id: string, path: string): Promise<FileRead> {
    const res = await this.send("GET", projectPath(id, "/files/content"), { query: { path } });
    return { content: new Uint8Array(await res.arrayBuffer()), version: unquoteEtag(res.headers.get("etag")) };
  }

  /** Streams the bytes in (no Socket.IO size limit); `baseVersion` makes a stale write a 409 conflict. */
  writeFile(id: string, path: string, content: Body, options: { baseVersion?: string } = {}): Promise<FileWritten> {
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    if (options.baseVersion !== undefined) headers["if-match"] = `"${options.baseVersion}"`;
    return this.call("PUT", projectPath(id, "/files/content"), { query: { path }, body: content, headers });
  }

  deleteFile(id: string, path: string): Promise<{ seq: number }> {
    return this.call("DELETE", projectPath(id, "/files/content"), { query: { path } });
  }

  /** A short-lived signed GET link to one file's content, for `<a href>` or a download without a token. */
  async fileLink(id: string, path: string): Promise<SignedLink> {
    return this.absolute(await this.call<SignedLink>("POST", projectPath(id, "/files/link"), { query: { path } }));
  }

  /** A folder of the project (default the root) as a zip; `zip64` writes zip64 records throughout. */
  async downloadArchive(id: string, options: { path?: string; zip64?: boolean } = {}): Promise<Uint8Array> {
    const query = { path: options.path, zip64: options.zip64 ? "1" : undefined };
    const res = await this.send("GET", projectPath(id, "/archive"), { query });
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Unpacks a zip into the project (under `path`, default the root); refused whole on a bad entry name. */
  uploadArchive(id: string, zip: Body, options: { path?: string } = {}): Promise<ArchiveUnpacked> {
    const headers = { "content-type": "application/zip" };
    return this.call("POST", projectPath(id, "/archive"), { query: { path: options.path }, body: zip, headers });
  }

  /** A five-minute GET link to a folder's zip, for a browser download. */
  async archiveLink(id: string, path = ""): Promise<SignedLink> {
    return this.absolute(await this.call<SignedLink>("POST", projectPath(id, "/archive/link"), { query: { path } }));
  }

  /** The ports programs in the project's running container listen on, with their preview URLs. */
  async ports(id: string): Promise<PortOpened[]> {
    return (await this.call<{ ports: PortOpened[] }>("GET", projectPath(id, "/ports"))).ports;
  }

  /**
   * A five-minute link that opens a private port's preview in a browser:
   * on the preview's own origin it sets that origin's session cookie, then
   * redirects to `next` (a path, "/" by default). Open it in a new tab.
   */
  async previewLink(id: string, port: number, next = "/"): Promise<SignedLink> {
    const made = await this.call<SignedLink>("POST", projectPath(id, `/previews/${port}/session`));
    return { ...made, url: next === "/" ? made.url : `${made.url}&next=${encodeURIComponent(next)}` };
  }

  /** The owner makes a port's preview open to anyone with its URL, or private again. */
  setPortPublic(id: string, port: number, isPublic: boolean): Promise<PortOpened> {
    return this.call("PUT", projectPath(id, `/previews/${port}`), { json: { public: isPublic } });
  }

  // ---- the socket ------------------------------------------------------------------------

  /** Opens the project's Socket.IO connection, authenticated with this client's tokens. */
  connect(projectId: string, options: Omit<ProjectSocketOptions, "url" | "projectId" | "token" | "refreshToken"> = {}): ProjectSocket {
    return new ProjectSocket({
      ...options,
      url: this.baseUrl,
      projectId,
      token: () => this.accessToken(),
      refreshToken: async (stale) => (await this.refreshShared(stale)).accessToken,
      largeWrite: async (path, content, write) => this.writeFile(projectId, path, content, write),
    });
  }

  // ---- HTTP -------------------------------------------------------------------------------

  /** A call whose answer is JSON (null when there is no body: 204). */
  private async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    const text = await res.text();
    if (!text) return null as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new BerthError("bad_response", `${method} ${path}: an answer that is not JSON: ${preview(text)}`, res.status, { cause });
    }
  }

  /** Sends with the token; a 401 refreshes and sends once more. Rejects any non-2xx answer. */
  private async send(method: string, path: string, options: CallOptions): Promise<Response> {
    const auth = options.auth ?? true;
    let token = auth ? await this.accessToken() : null;
    let res = await this.fetchOnce(method, path, options, token);
    if (res.status === 401 && token !== null) {
      await res.body?.cancel();
      token = (await this.refreshShared(token)).accessToken;
      res = await this.fetchOnce(method, path, options, token);
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  private async fetchOnce(method: string, path: string, options: CallOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    } else if (options.body !== undefined) {
      body = options.body as BodyInit;
    }
    const url = this.baseUrl + "/api/v1" + path + queryString(options.query);
    try {
      return await this.fetchImpl(url, { method, headers, body });
    } catch (cause) {
      throw new BerthError("network_error", `${method} ${url}: ${(cause as Error)?.message ?? cause}`, 0, { cause });
    }
  }

  private absolute(link: SignedLink): SignedLink {
    return { ...link, url: new URL(link.url, this.baseUrl + "/").toString() };
  }
}

function projectPath(id: string, rest = ""): string {
  return "/projects/" + encodeURIComponent(id) + rest;
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  const s = params.toString();
  return s ? "?" + s : "";
}

function unquoteEtag(etag: string | null): string {
  return (etag ?? "").replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

async function errorOf(res: Response): Promise<BerthError> {
  const text = await res.text().catch(() => "");
  const retry = res.headers.get("retry-after");
  const retryAfter = retry && /^\d+$/.test(retry) ? Number(retry) : undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (body && typeof body === "object" && "error" in body) return BerthError.from(body.error, res.status, retryAfter);
  } catch {}
  return new BerthError("bad_response", `HTTP ${res.status} without an error body: ${preview(text)}`, res.status, { retryAfter });
}
