/** What a reader sees of a group and its members: descriptions and references, made from the index. */
import { type Courier, MemberRef } from "../actors/member-ref.js";
import type { Json, Scope } from "../names.js";
import type { Group } from "./group.js";
import type { Member } from "./members.js";
import type { MemberInfo, ProcessGroup } from "./process-groups.js";
import { metaField } from "./scope-index.js";

/** Every member with where it lives, its join count and its topics, in join order. */
export function describeMembers(group: Group): MemberInfo[] {
  const out: MemberInfo[] = [];
  for (const member of group.members.values()) {
    out.push({
      actorId: member.actorId,
      nodeId: member.nodeId,
      joinCount: member.count,
      topics: member.topics,
      isLocal: member.cell !== null,
      ...metaField(group.metaOf(member.actorId)),
    });
  }
  return out;
}

/** A member as a reference that sends and asks through `courier`, with its presence meta. */
export function memberRef(scope: Scope, courier: Courier, group: Group, member: Member): MemberRef {
  const meta = group.metaOf(member.actorId);
  return new MemberRef(
    scope,
    member.actorId,
    member.nodeId,
    courier,
    meta === "" ? undefined : (JSON.parse(meta) as Json),
  );
}

export function describeGroup(scope: Scope, group: Group): ProcessGroup {
  return Object.freeze({
    name: group.name,
    tenantId: scope.tenantId,
    namespace: scope.namespace,
    labels: group.labels,
    createdAt: new Date(group.createdAtMs),
    memberCount: group.size,
  });
}
