// The one BerthClient of the app (same origin as the page), the signed-in
// user, and errors put into words.
import { BerthClient, BerthError, webTokenStorage, type ErrorCode, type User } from "../../clients/js/src/index.ts";

let loggedOutHandler: (() => void) | null = null;

export const berth = new BerthClient({
  baseUrl: location.origin,
  storage: webTokenStorage(localStorage),
  onLoggedOut: () => {
    currentUser = null;
    loggedOutHandler?.();
  },
});

export function onLoggedOut(handler: () => void): void {
  loggedOutHandler = handler;
}

let currentUser: User | null = null;

/** The signed-in user, or null (no tokens, or they were refused). */
export async function me(): Promise<User | null> {
  if (currentUser) return currentUser;
  if (!(await berth.currentTokens())) return null;
  try {
    currentUser = await berth.me();
  } catch (e) {
    if (e instanceof BerthError && (e.code === "logged_out" || e.status === 401)) return null;
    throw e;
  }
  return currentUser;
}

export function setUser(user: User | null): void {
  currentUser = user;
}

/** The server's message as a clause: no trailing period, "" when there is none. */
const clause = (m: string) => m.trim().replace(/[.;:\s]+$/, "");
const sentence = (m: string) => (m ? m.charAt(0).toUpperCase() + m.slice(1) + "." : "");

/**
 * Every code the server (ERROR_STATUS, and container_exited in
 * project:status) or the client can give, in words, each with what to do
 * next. A Record over ErrorCode: a code added to the client's catalogue
 * fails the type check until it has words here. `m` is the server's
 * message as a clause (it often names the field, the file or the limit).
 */
const WORDS: Record<ErrorCode, (m: string, e: BerthError) => string> = {
  // the server's catalogue
  bad_request: (m) => `${m || "the request is not valid"}. Correct it and try again.`,
  invalid_path: (m) => `that is not a valid path in this project${m ? ` (${m})` : ""}. Use a name inside the project, without "..", a leading "/" or empty parts.`,
  unauthorized: () => "your session has ended. Log in again.",
  forbidden: (m) => `your role in this project does not allow this${m ? ` (${m})` : ""}. Ask an owner of the project for the editor role.`,
  not_found: (m) => `${m || "it does not exist, or you are not a member of the project"}. Reload the page to see what is there now.`,
  method_not_allowed: (m) => `this server does not offer this${m ? ` (${m})` : ""}. The page and the server may be of different versions: reload the page, or ask the administrator to update Berth.`,
  timeout: () => "the request did not reach the server in time. Check your connection and try again.",
  conflict: (m) => `${m || "it was changed meanwhile"}. Reload it to see the current state, then try again.`,
  too_large: (m) => `it is too large for the server${m ? ` (${m})` : ""}. Make it smaller or split it.`,
  quota_exceeded: (m) => `the project's disk space is full${m ? ` (${m})` : ""}. Delete files you do not need, then try again.`,
  rate_limited: (_m, e) => `the server is busy. Try again ${e.retryAfter ? `in ${e.retryAfter} seconds` : "in a moment"}.`,
  limit_reached: (m) => `${m || "a limit of the project is reached"}. Close something you no longer need (an ended terminal, …), then try again.`,
  internal: (m) => `something went wrong on the server${m ? ` (${m})` : ""}. Try again; if it happens again, tell the administrator: the server log has the details.`,
  unavailable: () => "the server's database does not answer. Try again in a minute; if it lasts, tell the administrator.",
  runtime_unavailable: () => "the server cannot reach its container engine (Docker), so the project cannot run. Try again later, or ask the administrator to check Docker.",
  image_not_found: (m) => `the project's container image is missing on the server${m ? ` (${m})` : ""}. The administrator must run \`berth image build\`.`,
  storage_unavailable: () => "the server's file storage does not answer. Nothing is lost: try again in a moment.",
  disk_full: (m) => `the server's disk is full${m ? ` (${m})` : ""}: nothing was written. Tell the administrator, then try again once there is space.`,
  container_exited: (m) => `the project's container stopped by itself${m ? ` (${m})` : ""}. Press Start to bring it back.`,
  // the client's own
  network_error: () => "the server does not answer. Check your connection and try again.",
  bad_response: () => "the server answered something this page does not understand. Reload the page; if it happens again, the page and the server may be of different versions.",
  disconnected: () => "the connection to the project dropped. It reconnects by itself: try again in a moment.",
  ack_timeout: () => "the server took too long to answer. Try again in a moment.",
  logged_out: () => "you are logged out. Log in again.",
};

/** Words for an error, with what to do next; `action` names what failed ("save main.sh"). */
export function describe(error: unknown, action?: string): string {
  const prefix = action ? `Could not ${action}: ` : "";
  if (!(error instanceof BerthError)) return prefix + String((error as Error)?.message ?? error);
  const words = (WORDS as Record<string, ((m: string, e: BerthError) => string) | undefined>)[error.code];
  if (error.code === "logged_out") return "You are logged out: log in again.";
  if (!words) return prefix + (sentence(clause(error.message)) || `The server answered ${error.code}.`) + " Try again; if it happens again, reload the page.";
  const text = words(clause(error.message), error);
  return prefix ? prefix + text : text.charAt(0).toUpperCase() + text.slice(1);
}

/** Words for project:status {state:"error", code, message}. */
export function describeStatus(code: string | undefined, message: string | undefined): string {
  return describe(new BerthError(code ?? "internal", message ?? ""));
}

export function isCode(error: unknown, code: string): boolean {
  return error instanceof BerthError && error.code === code;
}
