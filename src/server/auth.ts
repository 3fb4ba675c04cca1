/**
 * Tenant auth: bearer tokens, each mapped to one tenant. A request names its tenant in
 * its path; the token must belong to that tenant, or the answer is 403 — on REST and
 * WebSocket alike. With no tokens configured the server is open (any tenant), and
 * `serve` then listens on loopback only and says so.
 *
 * Tokens are kept as SHA-256 digests and looked up by the digest of what a client
 * presents, so no token is compared character by character.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ServerError } from "./wire.js";

/** tenant → its tokens, as a token file holds them: `{ "tenants": { "acme": ["…"] } }`. */
export type TokenTable = Readonly<Record<string, readonly string[]>>;

const digest = (token: string): string => createHash("sha256").update(token).digest("hex");

/**
 * Who may act for which tenant: each bearer token belongs to one tenant. With no tokens
 * it is open, and every tenant is served. Throws if a token is shorter than 16 characters.
 */
export class TenantAuth {
  // digest of a token → its tenant
  readonly #tenants = new Map<string, string>();

  constructor(table: TokenTable) {
    for (const [tenant, tokens] of Object.entries(table)) {
      for (const token of tokens) {
        if (token.length < 16) throw new Error(`a token of tenant '${tenant}' is shorter than 16 characters`);
        this.#tenants.set(digest(token), tenant);
      }
    }
  }

  /** True when no token is configured: every request is let in. */
  get isOpen(): boolean {
    return this.#tenants.size === 0;
  }

  /** The tenant of a token; null when the server is open; 401 for no or an unknown token. */
  tenantOf(token: string | undefined): string | null {
    if (this.isOpen) return null;
    if (token === undefined || token === "")
      throw new ServerError(401, "UNAUTHORIZED", "a bearer token is required");
    const tenant = this.#tenants.get(digest(token));
    if (tenant === undefined) throw new ServerError(401, "UNAUTHORIZED", "the token is not known");
    return tenant;
  }

  /**
   * Checks that `token` may act for `tenantId`: 401 without a known token, 403 for a
   * token of another tenant. `token` is what followed "Bearer " (or a `token` query
   * parameter, which browsers' WebSockets need).
   */
  authorize(token: string | undefined, tenantId: string): void {
    if (this.isOpen) return;
    if (token === undefined || token === "")
      throw new ServerError(401, "UNAUTHORIZED", "a bearer token is required");
    const tenant = this.#tenants.get(digest(token));
    if (tenant === undefined) throw new ServerError(401, "UNAUTHORIZED", "the token is not known");
    if (tenant !== tenantId) {
      throw new ServerError(403, "FORBIDDEN", `the token may not act for tenant '${tenantId}'`);
    }
  }
}

/** The token of a request: `Authorization: Bearer …`, else the `token` query parameter. */
export function tokenOf(authorization: string | undefined, query: unknown): string | undefined {
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer !== undefined) return bearer;
  const fromQuery = (query as Record<string, unknown> | undefined)?.token;
  return typeof fromQuery === "string" ? fromQuery : undefined;
}

/**
 * The token table from a file (JSON `{ "tenants": { "acme": ["token", …] } }`) and/or
 * a string `tenant:token,tenant:token` (the CHORUS_TOKENS environment variable).
 */
export function loadTokens(file: string | undefined, list: string | undefined): TokenTable {
  const table: Record<string, string[]> = {};
  const add = (tenant: string, token: string) => (table[tenant] ??= []).push(token);
  if (file !== undefined) {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    const tenants = (parsed as { tenants?: unknown } | null)?.tenants;
    if (typeof tenants !== "object" || tenants === null) {
      throw new Error(`${file} must hold { "tenants": { "<tenant>": ["<token>", …] } }`);
    }
    for (const [tenant, tokens] of Object.entries(tenants)) {
      if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) {
        throw new Error(`${file}: the tokens of tenant '${tenant}' must be a list of strings`);
      }
      for (const token of tokens) add(tenant, token);
    }
  }
  for (const pair of (list ?? "").split(",")) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf(":");
    if (at <= 0) throw new Error(`'${pair}' is not tenant:token`);
    add(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return table;
}
