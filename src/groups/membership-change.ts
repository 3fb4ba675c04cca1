/**
 * A local actor's membership of a group before and after one change, and how to undo
 * that change when its caller could not complete it (a write to Redis refused or cut).
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { Group } from "./group.js";
import type { ScopeIndex } from "./scope-index.js";

/** A local actor's membership of a group as it stands: count 0 when it is none; meta as JSON text. */
export interface Membership {
  readonly count: number;
  readonly topics: readonly string[];
  readonly meta: string;
}

/** A local actor's membership of a group before and after one change, to undo it. */
export interface MembershipChange {
  readonly group: Group;
  readonly cell: ActorCell;
  readonly kind: "join" | "leave" | "meta";
  readonly before: Membership;
  readonly after: Membership;
}

const NOT_A_MEMBER: Membership = Object.freeze({ count: 0, topics: Object.freeze([]), meta: "" });

/** A local actor's membership of a group as it stands: count 0 when it is none. */
export function membershipOf(group: Group, cell: ActorCell): Membership {
  const member = group.members.get(cell.id);
  if (member?.cell !== cell) return NOT_A_MEMBER;
  return { count: member.count, topics: member.topics, meta: group.metaOf(cell.id) };
}

/**
 * Puts the membership back as it was, unless it changed again since — then only the
 * change's own part is undone (the count of a join or leave; a meta update, not at
 * all). The caller checks that the group is still current and the actor still hosted.
 */
export function undoChange(index: ScopeIndex, change: MembershipChange): void {
  const { group, cell, kind, before, after } = change;
  const now = membershipOf(group, cell);
  if (now.count === after.count && sameList(now.topics, after.topics) && now.meta === after.meta) {
    index.restoreLocal(group, cell, before.count, before.topics, before.meta);
  } else if (kind === "join") {
    if (now.count > 0) index.restoreLocal(group, cell, now.count - 1, now.topics, now.meta);
  } else if (kind === "leave") {
    const restored = now.count > 0 ? now : before;
    index.restoreLocal(group, cell, now.count + 1, restored.topics, restored.meta);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
