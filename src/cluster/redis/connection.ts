/**
 * Named Redis connections and script calls. Every connection is named
 * `chorus:<node>:<role>` (CLIENT SETNAME) so an operator can tell them apart in
 * CLIENT LIST, and reconnects with a capped backoff. Scripts are called by SHA and
 * loaded on NOSCRIPT (after a Redis restart the script cache is empty).
 */
import { Redis, type RedisOptions } from "ioredis";
import type { Script } from "./scripts.js";

export type Role = "cmd" | "events" | "messages" | "heartbeat";

export function connect(url: string, nodeId: string, role: Role, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName: `chorus:${nodeId}:${role}`,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(25 * 2 ** Math.min(times, 6), 1_000),
    ...extra,
  });
}

export async function run(
  conn: Redis,
  script: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await conn.evalsha(script.sha, script.keys, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return conn.eval(script.lua, script.keys, ...keys, ...args);
  }
}

/** A script reply read as a list; anything else is a protocol error. */
export function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`unexpected Redis reply: ${String(value)}`);
  return value;
}

export function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw new Error(`unexpected Redis reply: ${String(value)}`);
}

/** A flat [k, v, k, v…] reply as pairs. */
export function pairs(value: unknown): [string, string][] {
  const flat = list(value);
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([text(flat[i]), text(flat[i + 1])]);
  return out;
}
