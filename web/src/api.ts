// The one BerthClient of the app (same origin as the page), the signed-in
// user, and errors put into words.
import { BerthClient, BerthError, webTokenStorage, type User } from "../../clients/js/src/index.ts";

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

/** Words for an error; `action` names what failed ("save main.sh"). */
export function describe(error: unknown, action?: string): string {
  const prefix = action ? `Could not ${action}: ` : "";
  if (!(error instanceof BerthError)) return prefix + String((error as Error)?.message ?? error);
  switch (error.code) {
    case "network_error":
      return prefix + "the server does not answer. Check your connection and try again.";
    case "disconnected":
      return prefix + "the connection to the project dropped. It reconnects by itself: try again in a moment.";
    case "ack_timeout":
      return prefix + "the server took too long to answer.";
    case "forbidden":
      return prefix + "your role in this project does not allow this.";
    case "rate_limited":
      return prefix + "the server is busy. Try again in a moment.";
    case "logged_out":
      return "You are logged out: log in again.";
    default:
      return prefix + (error.message || error.code);
  }
}

export function isCode(error: unknown, code: string): boolean {
  return error instanceof BerthError && error.code === code;
}
