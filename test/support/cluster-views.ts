/**
 * Read-backs for in-process cluster tests: what a node's replica shows for a group,
 * compared with Redis, waited for with a deadline (never a sleep).
 */
import assert from "node:assert/strict";
import { type ActorSystem, GroupNotFoundError, type Scope } from "../../src/index.js";
import { readGroups, readMembers } from "./redis-state.js";

/** The sorted members a node shows, or "missing" when the group does not exist there. */
export async function view(node: ActorSystem, scope: Scope, group: string): Promise<string[] | "missing"> {
  try {
    return (await node.groups(scope).getMembers(group)).sort();
  } catch (error) {
    if (error instanceof GroupNotFoundError) return "missing";
    throw error;
  }
}

/** Waits until every node, and Redis, show `want` as the group's members ("missing": no group). */
export async function converged(
  url: string,
  nodes: readonly ActorSystem[],
  scope: Scope,
  group: string,
  want: readonly string[] | "missing",
  timeoutMs = 10_000,
): Promise<void> {
  const expected = want === "missing" ? "missing" : [...want].sort();
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const views = await Promise.all(nodes.filter((n) => !n.isStopped).map((n) => view(n, scope, group)));
    const groups = await readGroups(url, scope);
    const redis = groups.includes(group) ? await readMembers(url, scope, group) : "missing";
    last = JSON.stringify({ views, redis });
    const same = (v: string[] | "missing") => JSON.stringify(v) === JSON.stringify(expected);
    if (views.every(same) && same(redis)) return;
    if (Date.now() > deadline) assert.fail(`'${group}' never became ${JSON.stringify(expected)}: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
