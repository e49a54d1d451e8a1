// The tokens one BerthClient holds, and the hook that lets an app keep them
// across page loads (the client itself never touches browser storage).

export interface Tokens {
  accessToken: string;
  /** single use: each refresh answers a new one (rotation) */
  refreshToken: string;
  /** when the access token expires, ms since the epoch, on this machine's clock */
  expiresAt: number;
  /** its lifetime in seconds, as the server said (expiresIn) */
  expiresIn: number;
}

/** Where tokens live between sessions; `save(null)` is a log-out. */
export interface TokenStorage {
  load(): Tokens | null | Promise<Tokens | null>;
  save(tokens: Tokens | null): void | Promise<void>;
}

/** A TokenStorage over a Web Storage area (localStorage, sessionStorage) or anything like it. */
export function webTokenStorage(
  area: { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void },
  key = "berth.tokens",
): TokenStorage {
  return {
    load() {
      const text = area.getItem(key);
      if (!text) return null;
      try {
        const t = JSON.parse(text) as Partial<Tokens>;
        return typeof t.accessToken === "string" && typeof t.refreshToken === "string" && typeof t.expiresAt === "number"
          ? { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: t.expiresAt, expiresIn: t.expiresIn ?? 0 }
          : null;
      } catch {
        return null;
      }
    },
    save(tokens) {
      if (tokens) area.setItem(key, JSON.stringify(tokens));
      else area.removeItem(key);
    },
  };
}

/**
 * Refresh this long before the access token expires: 30 s, or a fifth of a
 * short lifetime, so a request or a socket handshake on its way never
 * carries a token that runs out under it (the server cuts a socket at `exp`).
 */
export function refreshMarginMs(tokens: Tokens): number {
  const lifetime = tokens.expiresIn > 0 ? tokens.expiresIn * 1000 : 15 * 60 * 1000;
  return Math.min(30_000, lifetime / 5);
}

export function isExpiring(tokens: Tokens, now = Date.now()): boolean {
  return now >= tokens.expiresAt - refreshMarginMs(tokens);
}
