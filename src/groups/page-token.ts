/**
 * Page tokens for listGroups: opaque to callers, checked on the way back in.
 *
 * A token says "continue after this group name, for this scope and pattern". It is
 * base64url JSON rather than a signed blob: a well-formed token someone wrote by hand
 * can only start a listing at another name of the caller's own scope, which reveals
 * nothing the caller could not list anyway. Anything else is rejected as forged.
 */
import { InvalidArgumentError } from "../errors.js";
import type { GroupName } from "../names.js";

const VERSION = 1;
const MAX_TOKEN_LENGTH = 1_024;

interface TokenBody {
  readonly v: number;
  readonly s: string; // scope key
  readonly p: string; // pattern, "" for none
  readonly a: GroupName; // list after this name
}

export function encodePageToken(scopeKey: string, pattern: string, after: GroupName): string {
  const body: TokenBody = { v: VERSION, s: scopeKey, p: pattern, a: after };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/** Returns the name to list after, or throws if the token is not one we issued here. */
export function decodePageToken(token: unknown, scopeKey: string, pattern: string): GroupName {
  const forged = new InvalidArgumentError(
    "pageToken",
    "is not a token returned by listGroups for this scope and pattern",
  );
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw forged;
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw forged;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw forged;
  }
  if (typeof body !== "object" || body === null) throw forged;
  const { v, s, p, a } = body as Record<string, unknown>;
  if (v !== VERSION || s !== scopeKey || p !== pattern) throw forged;
  if (typeof a !== "string" || !/^[a-z0-9_-]{1,128}$/.test(a)) throw forged;
  return a;
}
