// Mints HS256 tokens the way Supabase does (secret as raw UTF-8 bytes), for
// tests that arrive "from Supabase" rather than through Berth's own login.
import { createHmac } from "node:crypto";

const b64url = (s) => Buffer.from(s).toString("base64url");

export function signHs256(claims, secret, header = { alg: "HS256", typ: "JWT" }) {
  const input = b64url(JSON.stringify(header)) + "." + b64url(JSON.stringify(claims));
  return input + "." + createHmac("sha256", secret).update(input).digest("base64url");
}

export function supabaseUserToken(secret, sub, email, { ttl = 3600 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ sub, email, role: "authenticated", aud: "authenticated", iss: "supabase", iat: now, exp: now + ttl }, secret);
}
