/**
 * Shared by the bad-input tests: a scope with one group and one member to damage, a
 * snapshot of everything a refused call must leave as it was, and a check for
 * synchronous refusals (spawn, groups, the ActorSystem constructor).
 */
import assert from "node:assert/strict";
import type { ActorSystem, ProcessGroups, Scope } from "../../src/index.js";
import { freshScope, newSystem } from "./helpers.js";

/** Asserts that `action` throws `ErrorClass` with `code`. */
export function throwsWith(
  action: () => unknown,
  ErrorClass: new (...args: never[]) => Error,
  code: string,
): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${String(error)}`);
    assert.equal((error as { code?: unknown }).code, code);
    return true;
  });
}

/** Every group of a handle with its members: what a failed call must not change. */
export async function state(groups: ProcessGroups): Promise<unknown> {
  const page = await groups.listGroups({ pageSize: 1_000 });
  return Promise.all(
    page.groups.map(async (g) => ({ g, members: (await groups.getMembers(g.name)).sort() })),
  );
}

/** A new system with a scope holding group "g" (labelled) and its member "member". */
export async function setUp(): Promise<{ system: ActorSystem; scope: Scope; groups: ProcessGroups }> {
  const system = newSystem();
  const scope = freshScope();
  const groups = system.groups(scope);
  await groups.createGroup("g", { labels: { k: "v" } });
  await groups.joinGroup(
    "g",
    system.spawn({ id: "member", ...scope }, () => {}),
  );
  return { system, scope, groups };
}
