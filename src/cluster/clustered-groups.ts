/**
 * ClusteredGroups: a scope's handle when the node shares its groups with others. It
 * wraps the same core as the embedded handle (groups/scope-groups.ts) and adds what
 * sharing needs: the scope's view is opened before its first use, a group this node
 * has not heard of yet is looked for in the store, and every change is written to the
 * store — a create or delete before it is made here (the store decides), a join or a
 * leave after (this node owns its actors' memberships). A publish is delivered here
 * and carried to the other nodes, encoded first so a message that cannot travel is
 * refused before anyone gets it.
 *
 * Every wait is bounded (the store gives up after `commandTimeoutMs`) and abandoned when
 * the call's signal aborts. A join or leave that rejects is undone here, so a rejected
 * call changed nothing this node owns — except a visible join that was written but not
 * confirmed everywhere in time (JoinNotVisibleError: the membership stays).
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { MemberRef } from "../actors/member-ref.js";
import { JoinNotVisibleError, ProcessGroupError, SystemStoppedError } from "../errors.js";
import { signalOf } from "../groups/arguments.js";
import type { HandleHost } from "../groups/embedded-groups.js";
import { checkNames, joinEach, leaveEach } from "../groups/many-groups.js";
import { type MembershipChange, membershipOf } from "../groups/membership-change.js";
import type {
  ActorLike,
  AskGroupOptions,
  CallOptions,
  CreateGroupOptions,
  DispatchOptions,
  GroupPage,
  GroupReplies,
  JoinOptions,
  ListGroupsOptions,
  MemberInfo,
  ProcessGroup,
  ProcessGroups,
  PublishOptions,
} from "../groups/process-groups.js";
import type { PublishResult } from "../groups/publish-result.js";
import * as requests from "../groups/requests.js";
import type { ScopeGroups } from "../groups/scope-groups.js";
import { type TypedGroup, typedGroup } from "../groups/typed-group.js";
import { type MembershipEvent, type WatchOptions, whenOpened } from "../groups/watch.js";
import type { ActorId, GroupName, Json, Scope } from "../names.js";
import type { Replication } from "./replication.js";

export class ClusteredGroups implements ProcessGroups {
  readonly scope: Scope;
  readonly #core: ScopeGroups;
  readonly #store: Replication;
  readonly #host: HandleHost;
  // The first operation on the scope waits for this node's view of it.
  #opened: Promise<void> | null = null;
  #isOpen = false;
  // Publishes waiting for the view (or a catch-up): while any does, none may go ahead of it.
  #waitingPublishes = 0;

  constructor(core: ScopeGroups, store: Replication, host: HandleHost) {
    this.scope = core.scope;
    this.#core = core;
    this.#store = store;
    this.#host = host;
  }

  async createGroup(name: GroupName, options?: CreateGroupOptions): Promise<ProcessGroup> {
    const signal = this.#begin(options, "createGroup");
    await this.#open(signal);
    const record = this.#core.prepareCreate(name, options);
    await abortable(this.#store.createGroup(this.scope, record), signal);
    return this.#core.describe(this.#core.create(record));
  }

  async deleteGroup(name: GroupName, options?: CallOptions): Promise<void> {
    const signal = this.#begin(options, "deleteGroup");
    await this.#open(signal);
    this.#core.lookUp(name); // a bad name is refused before the store is asked
    await abortable(this.#store.deleteGroup(this.scope, name), signal);
    this.#core.delete(name);
  }

  async getGroup(name: GroupName, options?: CallOptions): Promise<ProcessGroup> {
    const signal = this.#begin(options, "getGroup");
    await this.#openFor(name, signal);
    return this.#core.describe(this.#core.group(name));
  }

  async joinGroup(name: GroupName, actor: ActorLike, options?: JoinOptions): Promise<void> {
    const signal = this.#begin(options, "joinGroup");
    await this.#openFor(name, signal);
    const change = this.#core.joinTracked(name, actor, options);
    await this.#write(change, options?.visible === "cluster", signal);
  }

  async leaveGroup(name: GroupName, actor: ActorLike, options?: CallOptions): Promise<void> {
    const signal = this.#begin(options, "leaveGroup");
    await this.#openFor(name, signal);
    const change = this.#core.leaveTracked(name, actor);
    await this.#write(change, false, signal);
  }

  async joinGroups(names: readonly GroupName[], actor: ActorLike, options?: JoinOptions): Promise<void> {
    const signal = this.#begin(options, "joinGroups");
    await this.#openForAll(names, signal);
    const changes = joinEach(this.#core, names, actor, options, true);
    await this.#writeAll(changes, options?.visible === "cluster", signal);
  }

  async leaveGroups(names: readonly GroupName[], actor: ActorLike, options?: CallOptions): Promise<void> {
    const signal = this.#begin(options, "leaveGroups");
    await this.#openForAll(names, signal);
    const changes = leaveEach(this.#core, names, actor, options, true);
    await this.#writeAll(changes, false, signal);
  }

  async updateMeta(name: GroupName, actor: ActorLike, meta: Json, options?: CallOptions): Promise<void> {
    const signal = this.#begin(options, "updateMeta");
    await this.#openFor(name, signal);
    const change = this.#core.updateMetaTracked(name, actor, meta);
    await this.#write(change, false, signal);
  }

  async getMembers(name: GroupName, options?: CallOptions): Promise<ActorId[]> {
    const signal = this.#begin(options, "getMembers");
    await this.#openFor(name, signal);
    return this.#core.members(name);
  }

  async getLocalMembers(name: GroupName, options?: CallOptions): Promise<ActorId[]> {
    const signal = this.#begin(options, "getLocalMembers");
    await this.#openFor(name, signal);
    return this.#core.localMembers(name);
  }

  async describeMembers(name: GroupName, options?: CallOptions): Promise<MemberInfo[]> {
    const signal = this.#begin(options, "describeMembers");
    await this.#openFor(name, signal);
    return this.#core.describeMembers(name);
  }

  async members<M, R>(name: GroupName, options?: CallOptions): Promise<MemberRef<M, R>[]> {
    const signal = this.#begin(options, "members");
    await this.#openFor(name, signal);
    return this.#core.memberRefs(name) as MemberRef<M, R>[];
  }

  async askGroup<R, M>(name: GroupName, message: M, options?: AskGroupOptions): Promise<GroupReplies<M, R>> {
    const signal = this.#begin(options, "askGroup");
    await this.#openFor(name, signal);
    return (await requests.askGroup(this.#core, name, message, options, this.#travels)) as GroupReplies<M, R>;
  }

  async dispatch<M, R>(name: GroupName, message: M, options?: DispatchOptions): Promise<MemberRef<M, R>> {
    const signal = this.#begin(options, "dispatch");
    await this.#openFor(name, signal);
    return (await requests.dispatch(this.#core, name, message, options, this.#travels)) as MemberRef<M, R>;
  }

  async pick<M, R>(name: GroupName, options?: DispatchOptions): Promise<MemberRef<M, R>> {
    const signal = this.#begin(options, "pick");
    await this.#openFor(name, signal);
    return requests.pick(this.#core, name, options) as MemberRef<M, R>;
  }

  readonly #travels = (message: unknown, to: MemberRef): void => this.#store.checkTravel(to, message);

  typed<M, R = unknown>(name: GroupName): TypedGroup<M, R> {
    return typedGroup<M, R>(this, name);
  }

  async listGroups(options?: ListGroupsOptions): Promise<GroupPage> {
    const signal = this.#begin(options, "listGroups");
    await this.#open(signal);
    return this.#core.list(options);
  }

  publishToGroup(name: GroupName, message: unknown, options?: PublishOptions): Promise<PublishResult> {
    // The common case — the view open, the group in it, no earlier publish still
    // waiting — is done in this turn, so a burst of publishes leaves as it is made.
    if (this.#isOpen && this.#waitingPublishes === 0 && this.#core.lookUpQuietly(name) !== undefined) {
      try {
        this.#begin(options, "publishToGroup");
        return Promise.resolve(this.#publishNow(name, message, options));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#publishOnceOpen(name, message, options);
  }

  async #publishOnceOpen(
    name: GroupName,
    message: unknown,
    options?: PublishOptions,
  ): Promise<PublishResult> {
    this.#waitingPublishes++;
    try {
      await this.#openFor(name, this.#begin(options, "publishToGroup"));
    } finally {
      this.#waitingPublishes--;
    }
    return this.#publishNow(name, message, options);
  }

  #publishNow(name: GroupName, message: unknown, options?: PublishOptions): PublishResult {
    const prepared = this.#core.preparePublish(name, message, options);
    const { group, topic, excluded } = prepared;
    const encoded = this.#store.encode(this.scope, { group: group.name, message, topic, exclude: excluded });
    const result = this.#core.deliver(prepared, message);
    this.#store.forward(this.scope, group.name, encoded);
    return result;
  }

  watch(name?: GroupName, options?: WatchOptions): AsyncIterableIterator<MembershipEvent> {
    try {
      this.#checkRunning();
      // Before this node's view of the scope is open, open it first, so the group is
      // looked up in a view that has it.
      if (!this.#isOpen) return this.#watchOnceOpen(name, options);
      return this.#core.watch(name, options);
    } catch (error) {
      if (error instanceof ProcessGroupError) return this.#core.index.hub.failed(error);
      throw error;
    }
  }

  /** The owner states the end of each membership of an actor that stopped; fire and forget. */
  actorLeft(cell: ActorCell, groups: readonly GroupName[]): void {
    for (const group of groups) {
      // A failure shows on the store's own error stream, and the heartbeat purge removes
      // the rows if this node dies.
      void this.#store
        .writeMembership(this.scope, {
          group,
          actorId: cell.id,
          nodeId: cell.ref.nodeId,
          count: 0,
          topics: [],
          meta: "",
        })
        .catch(() => undefined);
    }
  }

  // The watcher is made once the view is open (so the snapshot that fills it is not
  // reported as a burst of events), but before any operation waiting on the same
  // opening continues, so it misses none of their events.
  #watchOnceOpen(
    name: GroupName | undefined,
    options: WatchOptions | undefined,
  ): AsyncIterableIterator<MembershipEvent> {
    return whenOpened(this.#opening().then(() => this.#core.watch(name, options)));
  }

  // States the actor's membership of the group as it now stands here; undoes the change
  // when that fails (not when a visible join was written but not confirmed).
  async #write(change: MembershipChange, visible: boolean, signal?: AbortSignal): Promise<void> {
    try {
      await abortable(this.#stateMembership(change, visible), signal);
    } catch (error) {
      if (!(error instanceof JoinNotVisibleError)) {
        this.#core.undo(change);
        // The membership as it now stands again; a failure shows on the store's error
        // stream. Only while the group is the one the change was made in: once it has
        // been deleted (or re-created, which is another group), its memberships went
        // with it, and stating one would put it in the new group instead.
        if (this.#core.index.get(change.group.name) === change.group) {
          void this.#stateMembership(change).catch(() => undefined);
        }
      }
      throw error;
    }
  }

  // Each change written as `#write` writes one; the first failure, once all have settled.
  async #writeAll(
    changes: readonly MembershipChange[],
    visible: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const outcomes = await Promise.allSettled(changes.map((change) => this.#write(change, visible, signal)));
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }

  #stateMembership({ group, cell }: MembershipChange, visible = false): Promise<void> {
    const { count, topics, meta } = membershipOf(group, cell);
    return this.#store.writeMembership(
      this.scope,
      { group: group.name, actorId: cell.id, nodeId: this.#core.nodeId, count, topics, meta },
      visible,
    );
  }

  #begin(options: CallOptions | undefined, operation: string): AbortSignal | undefined {
    this.#checkRunning();
    return signalOf(options, operation);
  }

  #checkRunning(): void {
    if (this.#host.isStopped) throw new SystemStoppedError(this.#host.nodeId);
  }

  // The view opened, and caught up with the store if it does not show the group `name`
  // — which may have been created on another node a moment ago, its event still on the
  // way — so that a caller told of a group by another node can use it.
  async #openFor(name: unknown, signal?: AbortSignal): Promise<void> {
    await this.#open(signal);
    if (typeof name === "string" && this.#core.index.get(name) === undefined) {
      await abortable(this.#store.catchUp(this.scope), signal);
    }
  }

  // `#openFor` for a call on many groups: one catch-up covers every name not yet shown.
  async #openForAll(names: unknown, signal?: AbortSignal): Promise<void> {
    await this.#open(signal);
    const unknown = checkNames(names).some(
      (name) => typeof name === "string" && this.#core.index.get(name) === undefined,
    );
    if (unknown) await abortable(this.#store.catchUp(this.scope), signal);
  }

  // The scope's view, opened once; a failed opening is tried again by the next call.
  #open(signal?: AbortSignal): Promise<void> {
    return this.#isOpen ? Promise.resolve() : abortable(this.#opening(), signal);
  }

  #opening(): Promise<void> {
    this.#opened ??= this.#store.openScope(this.#core).then(
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
}

// `work`, or the signal's reason as soon as it aborts (the work itself goes on unheard).
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => undefined); // abandoned: its end is nobody's business now
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined); // abandoned: its end is nobody's business now
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
