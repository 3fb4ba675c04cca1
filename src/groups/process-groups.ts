/**
 * ProcessGroups: the handle of one scope, and the only way to its groups.
 *
 * A handle is created for one `(tenantId, namespace)` and holds only that scope's
 * membership index, so it cannot name, see or touch another scope's groups: isolation
 * is a matter of what the handle can reach, not a check on each call. Actors are the
 * one thing that can come from outside; an actor of another scope is refused.
 *
 * Each operation validates all its input first and only then changes state, so a call
 * that fails leaves everything as it was. Every operation returns a Promise.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import { ActorRef, CELL } from "../actors/actor-ref.js";
import type { ActorRuntime } from "../actors/runtime.js";
import {
  ActorNotFoundError,
  GroupAlreadyExistsError,
  GroupNotFoundError,
  InvalidArgumentError,
  NotAMemberError,
  PermissionDeniedError,
  ProcessGroupError,
  type Scope,
  SystemStoppedError,
} from "../errors.js";
import {
  type ActorId,
  type GroupName,
  parseSubscriptions,
  scopeKey,
  splitPublishedTopic,
  validateActorId,
  validateGroupName,
  validateLabels,
} from "../names.js";
import { without } from "./audience.js";
import type { Backend } from "./backend.js";
import type { Group } from "./group.js";
import { type GroupPage, type ListGroupsOptions, listPage } from "./listing.js";
import { PublishResult } from "./publish-result.js";
import type { ScopeIndex } from "./scope-index.js";
import { type MembershipEvent, type WatchOptions, whenOpened } from "./watch.js";

/** A group as callers see it: a snapshot taken when it was asked for. */
export interface ProcessGroup {
  readonly name: GroupName;
  readonly tenantId: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  readonly memberCount: number;
}

export interface CreateGroupOptions {
  /** Free-form metadata: up to 64 keys of a-z, 0-9, `_.-/`, string values up to 256 characters. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface JoinOptions {
  /** Topic patterns to receive (`*` one segment, `#` zero or more). Default: every message. */
  readonly topics?: readonly string[];
  /**
   * `"cluster"`: resolve only once every live node's replica shows the membership, so a
   * publish from any node right after reaches it; rejects with JoinNotVisibleError
   * naming the nodes that did not confirm in time (the membership stays). Embedded: no effect.
   */
  readonly visible?: "cluster";
}

/** An actor, by handle or (on the node that hosts it) by id. */
export type ActorLike = ActorRef | ActorId;

export interface PublishOptions {
  /** A concrete topic (no wildcards); members that joined with topics get it only on a match. */
  readonly topic?: string;
  /** Actors kept out of this publish, typically the sender itself. */
  readonly exclude?: ActorLike | readonly ActorLike[];
}

export type { GroupPage, ListGroupsOptions };

/** What a handle needs from the system that made it. */
export interface GroupsHost {
  readonly nodeId: string;
  readonly runtime: ActorRuntime;
  readonly backend: Backend;
  readonly isStopped: boolean;
  now(): number;
}

const MAX_EXCLUDED = 10_000;
const RESOLVED: Promise<void> = Promise.resolve();

export class ProcessGroups {
  readonly scope: Scope;
  readonly #index: ScopeIndex;
  readonly #host: GroupsHost;
  readonly #scopeKey: string;
  // Multi-node: the first operation on the scope waits for this node's replica of it.
  #opened: Promise<void> | null = null;
  #isOpen = false;

  constructor(scope: Scope, index: ScopeIndex, host: GroupsHost) {
    this.scope = scope;
    this.#index = index;
    this.#host = host;
    this.#scopeKey = scopeKey(scope);
  }

  /** Creates a group. Rejects with GroupAlreadyExistsError if the name is taken. */
  async createGroup(name: GroupName, options?: CreateGroupOptions): Promise<ProcessGroup> {
    this.#checkRunning();
    if (this.#host.backend.isDistributed) await this.#open();
    validateGroupName(name);
    checkOptions(options, "createGroup");
    const labels = validateLabels(options?.labels);
    if (this.#index.get(name) !== undefined) throw new GroupAlreadyExistsError(name, this.scope);
    const createdAtMs = this.#host.now();
    if (this.#host.backend.isDistributed) {
      await this.#host.backend.createGroup(this.scope, { name, labels, createdAtMs });
    }
    return this.#describe(this.#index.create(name, labels, createdAtMs));
  }

  /** Deletes a group and every membership in it. Deleting a missing group is not an error. */
  async deleteGroup(name: GroupName): Promise<void> {
    this.#checkRunning();
    if (this.#host.backend.isDistributed) await this.#open();
    validateGroupName(name);
    if (this.#host.backend.isDistributed) await this.#host.backend.deleteGroup(this.scope, name);
    this.#index.delete(name);
  }

  /** The group's metadata and current member count. */
  async getGroup(name: GroupName): Promise<ProcessGroup> {
    this.#checkRunning();
    if (this.#host.backend.isDistributed) await this.#openFor(name);
    return this.#describe(this.#group(name));
  }

  /**
   * Adds one join of a local actor: its join count goes up by one and its topics merge
   * with those it already had (no topics, now or before, means every message).
   */
  joinGroup(name: GroupName, actor: ActorLike, options?: JoinOptions): Promise<void> {
    // Embedded, a join has nothing to wait for: no async function, one shared promise.
    if (this.#host.backend.isDistributed) return this.#joinDistributed(name, actor, options);
    try {
      this.#checkRunning();
      this.#join(name, actor, options);
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #joinDistributed(name: GroupName, actor: ActorLike, options?: JoinOptions): Promise<void> {
    this.#checkRunning();
    await this.#openFor(name);
    const group = this.#join(name, actor, options);
    await this.#writeMembership(group, idOf(actor), options?.visible === "cluster");
  }

  // Validates a join, then makes it in this node's index.
  #join(name: GroupName, actor: ActorLike, options: JoinOptions | undefined): Group {
    const found = this.#lookUp(name);
    checkOptions(options, "joinGroup");
    const topics = parseSubscriptions(options?.topics);
    const visible = options?.visible;
    if (visible !== undefined && visible !== "cluster") {
      throw new InvalidArgumentError("visible", 'must be "cluster" when given');
    }
    const group = found ?? this.#group(name);
    const cell = this.#localActor(actor, name);
    this.#index.join(group, cell, this.#host.nodeId, topics);
    return group;
  }

  /** Takes one join away; when the count reaches zero the actor is no longer a member. */
  leaveGroup(name: GroupName, actor: ActorLike): Promise<void> {
    if (this.#host.backend.isDistributed) return this.#leaveDistributed(name, actor);
    try {
      this.#checkRunning();
      this.#leave(name, actor);
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #leaveDistributed(name: GroupName, actor: ActorLike): Promise<void> {
    this.#checkRunning();
    await this.#openFor(name);
    const group = this.#leave(name, actor);
    await this.#writeMembership(group, idOf(actor), false);
  }

  // Validates a leave, then makes it in this node's index.
  #leave(name: GroupName, actor: ActorLike): Group {
    const found = this.#lookUp(name);
    const actorId = this.#actorId(actor, name);
    const group = found ?? this.#group(name);
    // A live local actor's own record answers the common case with no look-up here.
    if (actor instanceof ActorRef) {
      const cell = actor[CELL];
      if (this.#host.runtime.hosts(cell) && this.#index.leaveLocal(group, cell)) return group;
    }
    const member = group.members.get(actorId);
    // A stale ref (its actor stopped, the id since reused) is no member: it must not
    // take a join away from the new actor of the same id.
    const stale = actor instanceof ActorRef && member?.cell != null && member.cell !== actor[CELL];
    if (member === undefined || stale) throw new NotAMemberError(name, this.scope, actorId);
    if (member.cell === null) {
      throw new ActorNotFoundError(
        actorId,
        this.scope,
        `is hosted by node '${member.nodeId}', which owns its memberships`,
      );
    }
    this.#index.leaveMember(group, member);
    return group;
  }

  /** Every member's id, on every node, each once however often it joined. */
  async getMembers(name: GroupName): Promise<ActorId[]> {
    this.#checkRunning();
    if (this.#host.backend.isDistributed) await this.#openFor(name);
    return [...this.#group(name).everyone().ids];
  }

  /** The members hosted by this node. */
  async getLocalMembers(name: GroupName): Promise<ActorId[]> {
    this.#checkRunning();
    if (this.#host.backend.isDistributed) await this.#openFor(name);
    return this.#group(name)
      .everyone()
      .cells.map((cell) => cell.id);
  }

  /** A page of groups in ascending name order, optionally filtered by a glob. */
  async listGroups(options?: ListGroupsOptions): Promise<GroupPage> {
    this.#checkRunning();
    if (this.#host.backend.isDistributed) await this.#open();
    return listPage(this.#index, this.#scopeKey, options, (group) => this.#describe(group));
  }

  /**
   * Hands `message` to every member (or, with a topic, every member subscribed to it)
   * and reports who was addressed. Local members get it through their mailboxes; each
   * other node hosting a recipient gets one wire message.
   */
  publishToGroup(name: GroupName, message: unknown, options?: PublishOptions): Promise<PublishResult> {
    if (this.#host.backend.isDistributed) return this.#publishDistributed(name, message, options);
    try {
      this.#checkRunning();
      return Promise.resolve(this.#publish(name, message, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #publishDistributed(
    name: GroupName,
    message: unknown,
    options?: PublishOptions,
  ): Promise<PublishResult> {
    this.#checkRunning();
    await this.#openFor(name);
    return this.#publish(name, message, options);
  }

  #publish(name: GroupName, message: unknown, options: PublishOptions | undefined): PublishResult {
    const found = this.#lookUp(name);
    checkOptions(options, "publishToGroup");
    const topic = options?.topic;
    // A topic this group matched since its last change is valid, and its audience known.
    let audience = topic === undefined ? undefined : found?.published(topic);
    const segments = topic === undefined || audience !== undefined ? null : splitPublishedTopic(topic);
    const excluded = options?.exclude === undefined ? null : this.#excluded(options.exclude, name);
    const group = found ?? this.#group(name);
    audience ??= segments === null ? group.everyone() : group.matching(segments, topic);
    if (excluded !== null) audience = without(audience, group.members, excluded);
    const backend = this.#host.backend;
    // Multi-node: encode (and refuse a bad payload) before anything is delivered.
    const encoded = backend.isDistributed
      ? backend.encode(this.scope, {
          group: name,
          message,
          topic,
          exclude: excluded === null ? [] : [...excluded],
        })
      : null;
    if (audience.cells.length > 0) {
      this.#host.runtime.dispatcher.fanOut(audience.slots, message, name, topic);
    }
    const remoteCount = audience.remoteCount;
    if (encoded !== null) backend.forward(this.scope, name, encoded, [...audience.remote.keys()]);
    return new PublishResult(audience.cells.length, remoteCount, this.#host.nodeId, audience);
  }

  /**
   * Membership events of the whole scope, or of one group. The iterable ends when the
   * signal aborts, when the loop breaks, or (for one group) when the group is deleted.
   * A missing group or a bad name rejects the first read.
   */
  watch(name?: GroupName, options?: WatchOptions): AsyncIterableIterator<MembershipEvent> {
    const hub = this.#index.hub;
    try {
      this.#checkRunning();
      // Multi-node, before this node's replica of the scope is open: open it first, so
      // the group is looked up in a view that has it.
      if (this.#host.backend.isDistributed && !this.#isOpen) return this.#watchOnceOpen(name, options);
      if (name !== undefined) this.#group(name);
      return hub.open(name, options);
    } catch (error) {
      if (error instanceof ProcessGroupError) return hub.failed(error);
      throw error;
    }
  }

  // The watcher is made once the replica is open (so the snapshot that fills the view is
  // not reported as a burst of events), but before any operation waiting on the same
  // opening continues, so it misses none of their events.
  #watchOnceOpen(
    name: GroupName | undefined,
    options: WatchOptions | undefined,
  ): AsyncIterableIterator<MembershipEvent> {
    return whenOpened(
      this.#open().then(() => {
        if (name !== undefined) this.#group(name);
        return this.#index.hub.open(name, options);
      }),
    );
  }

  #checkRunning(): void {
    if (this.#host.isStopped) throw new SystemStoppedError(this.#host.nodeId);
  }

  #group(name: unknown): Group {
    const group = this.#lookUp(name);
    if (group === undefined) throw new GroupNotFoundError(name as GroupName, this.scope);
    return group;
  }

  // The group of that name, or undefined; throws InvalidNameError for a bad name. Only
  // valid names are ever stored, so a name that is found needs no validation.
  #lookUp(name: unknown): Group | undefined {
    const group = typeof name === "string" ? this.#index.get(name) : undefined;
    if (group === undefined) validateGroupName(name);
    return group;
  }

  // The live local actor behind `actor`, or the error that says why there is none.
  #localActor(actor: ActorLike, group: GroupName): ActorCell {
    if (actor instanceof ActorRef) {
      const cell = actor[CELL];
      if (actor.tenantId !== this.scope.tenantId || actor.namespace !== this.scope.namespace) {
        throw new PermissionDeniedError(actor.id, actor, this.scope, group);
      }
      if (!this.#host.runtime.hosts(cell)) {
        throw new ActorNotFoundError(
          actor.id,
          this.scope,
          cell.isStopped ? "has stopped" : "is not hosted by this node",
        );
      }
      return cell;
    }
    validateActorId(actor);
    const cell = this.#host.runtime.find(this.scope, actor);
    if (cell === undefined) throw new ActorNotFoundError(actor, this.scope);
    return cell;
  }

  #actorId(actor: ActorLike, group: GroupName): ActorId {
    if (actor instanceof ActorRef) {
      if (actor.tenantId !== this.scope.tenantId || actor.namespace !== this.scope.namespace) {
        throw new PermissionDeniedError(actor.id, actor, this.scope, group);
      }
      return actor.id;
    }
    validateActorId(actor);
    return actor;
  }

  #excluded(exclude: ActorLike | readonly ActorLike[], group: GroupName): Set<ActorId> {
    const list = Array.isArray(exclude) ? (exclude as readonly ActorLike[]) : [exclude as ActorLike];
    if (list.length > MAX_EXCLUDED) {
      throw new InvalidArgumentError("exclude", `may name at most ${MAX_EXCLUDED} actors`);
    }
    return new Set(list.map((actor) => this.#actorId(actor, group)));
  }

  async #writeMembership(group: Group, actorId: ActorId, visible: boolean): Promise<void> {
    const member = group.members.get(actorId);
    await this.#host.backend.writeMembership(
      this.scope,
      {
        group: group.name,
        actorId,
        nodeId: this.#host.nodeId,
        count: member?.count ?? 0,
        topics: member?.topics ?? [],
      },
      visible,
    );
  }

  // Multi-node: the replica opened, and caught up with Redis if it does not show the
  // group `name` — which may have been created on another node a moment ago, its event
  // still on the way — so that a caller told of a group by another node can use it.
  async #openFor(name: unknown): Promise<void> {
    await this.#open();
    if (typeof name === "string" && this.#index.get(name) === undefined) {
      await this.#host.backend.catchUp(this.scope);
    }
  }

  // The scope's replica, opened once; a failed opening is tried again by the next call.
  #open(): Promise<void> {
    this.#opened ??= this.#host.backend.openScope(this.scope).then(
      () => {
        this.#isOpen = true;
      },
      (error: unknown) => {
        this.#opened = null;
        throw error;
      },
    );
    return this.#opened;
  }

  #describe(group: Group): ProcessGroup {
    return Object.freeze({
      name: group.name,
      tenantId: this.scope.tenantId,
      namespace: this.scope.namespace,
      labels: group.labels,
      createdAt: new Date(group.createdAtMs),
      memberCount: group.size,
    });
  }
}

// The id of an actor that passed validation.
function idOf(actor: ActorLike): ActorId {
  return actor instanceof ActorRef ? actor.id : actor;
}

// Options, when given, are an object; a string or a number is refused before any change.
function checkOptions(options: unknown, operation: string): void {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new InvalidArgumentError(`${operation} options`, "must be an object");
  }
}
