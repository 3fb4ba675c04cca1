/**
 * Joins and leaves of many groups in one call, for a caller with many to make (an actor
 * that joins the rooms of a session, say): one promise instead of one per group. Every
 * group is checked before any changes, so a bad name, a missing group or a group the
 * actor is not in changes nothing; the changes are then made one group at a time, as
 * the calls on one group would make them.
 */
import { InvalidArgumentError } from "../errors.js";
import type { ActorId, GroupName } from "../names.js";
import { actorIdOf, checkOptions } from "./arguments.js";
import type { Group } from "./group.js";
import { type MembershipChange, membershipOf } from "./membership-change.js";
import type { ActorLike, CallOptions, JoinOptions } from "./process-groups.js";
import type { ScopeGroups } from "./scope-groups.js";

/** The most groups one call may name. */
export const MAX_GROUPS_PER_CALL = 10_000;

/** The names of a call on many groups, checked: an array of distinct valid names, at most the bound. */
export function checkNames(names: unknown): readonly GroupName[] {
  if (!Array.isArray(names)) throw new InvalidArgumentError("names", "must be an array of group names");
  if (names.length > MAX_GROUPS_PER_CALL) {
    throw new InvalidArgumentError("names", `may name at most ${MAX_GROUPS_PER_CALL} groups`);
  }
  return names as readonly GroupName[];
}

// The groups `names` names, each existing and named once.
function groupsNamed(core: ScopeGroups, names: unknown): Group[] {
  const groups: Group[] = [];
  const seen = new Set<Group>();
  for (const name of checkNames(names)) {
    const group = core.group(name);
    if (seen.has(group)) throw new InvalidArgumentError("names", `names group '${group.name}' twice`);
    seen.add(group);
    groups.push(group);
  }
  return groups;
}

/** One join of a local actor to each group of `names`; with `track`, what each changed. */
export function joinEach(
  core: ScopeGroups,
  names: unknown,
  actor: ActorLike,
  options: JoinOptions | undefined,
  track: boolean,
): MembershipChange[] {
  checkOptions(options, "joinGroups");
  const groups = groupsNamed(core, names);
  if (groups.length === 0) return [];
  // The actor and the options are checked once, as for the first group: they are the same for all.
  const { cell, topics, meta } = core.checkJoin(groups[0]!.name, actor, options);
  const changes: MembershipChange[] = [];
  for (const group of groups) {
    const before = track ? membershipOf(group, cell) : null;
    core.index.join(group, cell, core.nodeId, topics, meta);
    if (before !== null)
      changes.push({ group, cell, kind: "join", before, after: membershipOf(group, cell) });
  }
  return changes;
}

/** One leave of a local actor from each group of `names`; with `track`, what each changed. */
export function leaveEach(
  core: ScopeGroups,
  names: unknown,
  actor: ActorLike,
  options: CallOptions | undefined,
  track: boolean,
): MembershipChange[] {
  checkOptions(options, "leaveGroups");
  const groups = groupsNamed(core, names);
  let actorId: ActorId | undefined;
  const leaves = groups.map((group) => {
    actorId ??= actorIdOf(core.scope, actor, group.name);
    return { group, member: core.memberToLeave(group, actor, actorId) };
  });
  const changes: MembershipChange[] = [];
  for (const { group, member } of leaves) {
    const cell = member.cell!;
    const before = track ? membershipOf(group, cell) : null;
    core.index.leaveMember(group, member);
    if (before !== null)
      changes.push({ group, cell, kind: "leave", before, after: membershipOf(group, cell) });
  }
  return changes;
}
