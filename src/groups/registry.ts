/**
 * GroupsRegistry: the scopes of one node. It makes each scope's index and handle on
 * first use, removes a stopped actor from every group of its scope, and is what a
 * backend reports other nodes' changes into (it implements the ReplicaSink).
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { Slots } from "../actors/dispatcher.js";
import type { Scope } from "../errors.js";
import { type NodeId, scopeKey, splitPublishedTopic } from "../names.js";
import { type Audience, without } from "./audience.js";
import type { GroupRecord, MembershipRecord, RemoteRun, ReplicaSink } from "./backend.js";
import type { Group } from "./group.js";
import { type GroupsHost, ProcessGroups } from "./process-groups.js";
import { ScopeIndex } from "./scope-index.js";

const NO_SLOTS: Slots = Object.freeze([]);

interface ScopeEntry {
  readonly index: ScopeIndex;
  readonly handle: ProcessGroups;
}

export class GroupsRegistry implements ReplicaSink {
  readonly #scopes = new Map<string, ScopeEntry>();
  readonly #host: GroupsHost;
  // Multi-node: a group deleted by another node is only sealed for delivery once the
  // seal has arrived on its message channel (messages and events travel on different
  // connections). Until then its last state receives what was published before the
  // delete (tombstones); a seal that arrives first stops deliveries at once (sealed).
  readonly #tombstones = new Map<string, Group>();
  readonly #sealed = new Set<string>();

  constructor(host: GroupsHost) {
    this.#host = host;
    host.runtime.onActorStopped((cell) => this.#actorStopped(cell));
  }

  /** The handle of a scope (already validated), made on first use. */
  handle(scope: Scope): ProcessGroups {
    return this.#entry(scope).handle;
  }

  /** Forgets every scope and ends every watch (shutdown). */
  clear(): void {
    for (const { index } of this.#scopes.values()) index.clear();
    this.#scopes.clear();
  }

  // --- ReplicaSink: other nodes' changes, as reported by a backend ---

  groupCreated(scope: Scope, record: GroupRecord): void {
    this.#entry(scope).index.create(record.name, record.labels, record.createdAtMs);
  }

  groupDeleted(scope: Scope, name: string, drain = false): void {
    const index = this.#entry(scope).index;
    const key = `${scopeKey(scope)}\n${name}`;
    const group = index.get(name);
    // Only a group with local members is listened to, so only its seal will come.
    const listened = group !== undefined && group.everyone().cells.length > 0;
    if (drain && listened && !this.#sealed.delete(key)) this.#tombstones.set(key, group);
    else this.#sealed.delete(key);
    index.delete(name);
  }

  groupSealed(scope: Scope, name: string, isDeleted: boolean): void {
    const key = `${scopeKey(scope)}\n${name}`;
    if (this.#tombstones.delete(key) || isDeleted) return;
    this.#sealed.add(key);
  }

  membershipChanged(scope: Scope, record: MembershipRecord): void {
    if (record.nodeId === this.#host.nodeId) return; // this node's own write, applied already
    const index = this.#entry(scope).index;
    const group = index.get(record.group);
    if (group === undefined) return; // the group was deleted after this write; nothing to apply
    const member = group.members.get(record.actorId);
    // A local actor with the same id is this node's to state; and the end of another
    // node's membership must not remove a member that now lives elsewhere.
    if (member !== undefined && (member.cell !== null || member.nodeId !== record.nodeId)) {
      if (member.cell !== null || record.count <= 0) return;
    }
    index.assign(group, record.actorId, record.nodeId, record.count, record.topics);
  }

  replaceScope(
    scope: Scope,
    groups: readonly GroupRecord[],
    members: readonly MembershipRecord[],
    settled?: ReadonlySet<NodeId>,
  ): void {
    const index = this.#entry(scope).index;
    const prefix = `${scopeKey(scope)}\n`;
    for (const key of this.#sealed) if (key.startsWith(prefix)) this.#sealed.delete(key);
    for (const key of this.#tombstones.keys()) if (key.startsWith(prefix)) this.#tombstones.delete(key);
    const wanted = new Map(groups.map((g) => [g.name, g]));
    for (const group of [...index.groups()]) if (!wanted.has(group.name)) index.delete(group.name);
    for (const record of groups) index.create(record.name, record.labels, record.createdAtMs);
    const remote = new Map<string, MembershipRecord>();
    for (const m of members) if (m.nodeId !== this.#host.nodeId) remote.set(`${m.group}\n${m.actorId}`, m);
    for (const group of index.groups()) {
      for (const member of [...group.members.values()]) {
        if (member.cell !== null) continue; // this node owns its own; the snapshot cannot overrule it
        if (settled !== undefined && !settled.has(member.nodeId)) continue; // still re-asserting
        if (!remote.has(`${group.name}\n${member.actorId}`))
          index.assign(group, member.actorId, member.nodeId, 0, []);
      }
    }
    for (const m of remote.values()) {
      const group = index.get(m.group);
      if (group === undefined || group.members.get(m.actorId)?.cell) continue; // local ones stay
      index.assign(group, m.actorId, m.nodeId, m.count, m.topics);
    }
  }

  deliver(scope: Scope, run: RemoteRun): void {
    const key = scopeKey(scope);
    const index = this.#scopes.get(key)?.index;
    const { messages, topic } = run;
    // The sender checked the topic; checked again here all the same, since a wire message
    // is only data, and a valid topic may then enter the group's topic cache.
    const path = topic === undefined ? undefined : validTopic(topic);
    if (path === null) return;
    const excluded = run.exclude.length > 0 ? new Set(run.exclude) : null;
    const dispatcher = this.#host.runtime.dispatcher;
    let last: Group | undefined;
    let audience: Audience | undefined;
    let slots: Slots = NO_SLOTS;
    for (let i = 0; i < messages.length; i++) {
      // Looked up for every message: a member's behaviour runs inside fanOut and may
      // change the group (leave, stop) before the next message of the run.
      let group = index?.get(run.group);
      if (this.#sealed.size > 0 || this.#tombstones.size > 0) {
        const groupKey = `${key}\n${run.group}`;
        if (this.#sealed.has(groupKey)) return;
        group ??= this.#tombstones.get(groupKey);
      }
      if (group === undefined) return;
      // everyone() is cached until the membership changes, so the same object means the
      // same audience: its slots (less `exclude`) are reused; a topic is matched each time.
      const everyone = group.everyone();
      if (path !== undefined || group !== last || everyone !== audience) {
        last = group;
        audience = everyone;
        const chosen =
          path === undefined ? everyone : (group.published(topic!) ?? group.matching(path, topic));
        slots = excluded === null ? chosen.slots : without(chosen, group.members, excluded).slots;
      }
      if (slots.length > 0) dispatcher.fanOut(slots, messages[i], run.group, topic);
    }
  }

  localMemberships(scope: Scope): MembershipRecord[] {
    const entry = this.#scopes.get(scopeKey(scope));
    if (entry === undefined) return [];
    const records: MembershipRecord[] = [];
    for (const group of entry.index.groups()) {
      for (const member of group.members.values()) {
        if (member.cell === null) continue;
        records.push({
          group: group.name,
          actorId: member.actorId,
          nodeId: member.nodeId,
          count: member.count,
          topics: member.topics,
        });
      }
    }
    return records;
  }

  #entry(scope: Scope): ScopeEntry {
    const key = scopeKey(scope);
    let entry = this.#scopes.get(key);
    if (entry === undefined) {
      const index = new ScopeIndex(scope);
      entry = { index, handle: new ProcessGroups(scope, index, this.#host) };
      this.#scopes.set(key, entry);
    }
    return entry;
  }

  #actorStopped(cell: ActorCell): void {
    const entry = this.#scopes.get(scopeKey(cell.scope));
    if (entry === undefined) return;
    const left = entry.index.removeActor(cell);
    if (left.length === 0 || !this.#host.backend.isDistributed) return;
    for (const group of left) {
      // The owner states the end of each membership; a failure shows on the backend's
      // own error stream, and the heartbeat purge removes the rows if this node dies.
      void this.#host.backend
        .writeMembership(cell.scope, {
          group,
          actorId: cell.id,
          nodeId: this.#host.nodeId,
          count: 0,
          topics: [],
        })
        .catch(() => undefined);
    }
  }
}

// The segments of a topic from the wire, or null if it is not a valid published topic.
function validTopic(topic: string): string[] | null {
  try {
    return splitPublishedTopic(topic);
  } catch {
    return null;
  }
}
