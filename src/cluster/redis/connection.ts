/**
 * Named Redis connections and the reading of replies. Every connection is named
 * `<prefix>:<node>:<role>` (CLIENT SETNAME) so an operator can tell them apart in
 * CLIENT LIST, and reconnects with a capped backoff. The client's own queueing,
 * re-sending and re-subscribing are off: the command link (link.ts) and the
 * subscribers (subscriber.ts) decide what happens to work across a reconnect.
 */
import { Redis } from "ioredis";
import { SCRIPTS } from "./scripts.js";

export type Role = "cmd" | "events" | "messages" | "heartbeat";

export function connect(url: string, prefix: string, nodeId: string, role: Role): Redis {
  return new Redis(url, {
    connectionName: `${prefix}:${nodeId}:${role}`,
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    // With nothing re-sent, a command on its way when the connection drops is rejected
    // at once, not left unsettled.
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(25 * 2 ** Math.min(times, 6), 1_000),
  });
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

/** Loads every script, so no call on this connection meets NOSCRIPT unless Redis forgets them. */
export async function loadScripts(conn: Redis): Promise<void> {
  const pipeline = conn.pipeline();
  for (const script of SCRIPTS) pipeline.script("LOAD", script.lua);
  const replies = (await pipeline.exec()) ?? [];
  for (const [error] of replies) if (error) throw error;
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

// An error Redis answered with (it ran the command and refused it), not a lost connection.
export function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === "ReplyError";
}
