/**
 * Reads a scope's authoritative state straight from Redis, so tests can compare every
 * node's replica with what Redis holds. It follows the layout of
 * src/cluster/redis/keys.ts and uses its own short-lived connection.
 */
import { Redis } from "ioredis";
import { KeyLayout, type ScopeKeys } from "../../src/cluster/redis/keys.js";
import type { Scope } from "../../src/index.js";

/** The key layout of the default deployment (prefix `chorus`, database 0). */
export const LAYOUT = new KeyLayout("chorus", 0);

/** A scope's keys in the default deployment. */
export function scopeKeys(scope: Scope): ScopeKeys {
  return LAYOUT.scope(`${scope.tenantId}/${scope.namespace}`);
}

/**
 * Runs `run` on a short-lived connection to the redis-server at `url`: opened, used and
 * always closed afterwards. Tests use it for their admin commands.
 */
export async function withRedis<T>(url: string, run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

/** The names of the scope's groups, sorted. */
export function readGroups(url: string, scope: Scope): Promise<string[]> {
  return withRedis(url, async (redis) => (await redis.hkeys(scopeKeys(scope).groups)).sort());
}

/** The ids of a group's members (count > 0), sorted, each once. */
export function readMembers(url: string, scope: Scope, group: string): Promise<string[]> {
  return withRedis(url, async (redis) => {
    const rows = await redis.hgetall(`${scopeKeys(scope).membersPrefix}${group}`);
    const ids = new Set<string>();
    for (const [field, value] of Object.entries(rows)) {
      const [, actor] = field.split("\n");
      const count = Number(value.split("\n")[1]);
      if (actor !== undefined && count > 0) ids.add(actor);
    }
    return [...ids].sort();
  });
}
