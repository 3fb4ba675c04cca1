/**
 * RedisBackend: the multi-node store, put together. Each node owns the memberships of
 * the actors it hosts (the `pg` model) and states them absolutely in Redis, one Lua
 * script per change (scripts.ts); Redis orders each scope's changes with a sequence
 * number; every node keeps a view of the scopes it touches (replica.ts), so reads and
 * the recipients of a publish need no round trip; messages travel on one channel per
 * group (outbox.ts, inbox.ts).
 *
 * Four connections, each named `<prefix>:<node>:<role>`: `cmd`, the command link
 * (link.ts: every write and read, in order, and recovery after any fault), `events`
 * (scope change events and this node's control channel) and `messages` (the group
 * channels of its members) — separate, so a message flood that trips Redis's pub/sub
 * output limit cannot cut membership events — and `heartbeat` (liveness.ts).
 *
 * After any fault the node recovers before the link opens again: it checks it is
 * still registered (else registers a new incarnation), re-asserts its slice of every
 * scope — re-creating the groups it knows if Redis lost its data — and then resyncs
 * every view. `status` says whether all of that currently holds.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { ErrorLog } from "../../error-log.js";
import {
  BackendUnavailableError,
  GroupAlreadyExistsError,
  GroupNotFoundError,
  NodeIdInUseError,
  type Scope,
  SystemStoppedError,
} from "../../errors.js";
import { type GroupRecord, localMemberships, type MembershipRecord } from "../../groups/remote-changes.js";
import type { ScopeGroups } from "../../groups/scope-groups.js";
import type { NodeId } from "../../names.js";
import type { StatusBoard } from "../../status.js";
import type { RemoteMessage, Replication } from "../replication.js";
import { connect, list, pairs, text } from "./connection.js";
import { Control } from "./control.js";
import { GroupChannels } from "./group-channels.js";
import { Inbox } from "./inbox.js";
import { KeyLayout, type ScopeKeys } from "./keys.js";
import { type CallOptions, COVERED, CommandLink } from "./link.js";
import { Liveness } from "./liveness.js";
import type { ClusterSettings } from "./options.js";
import { Outbox } from "./outbox.js";
import { ScopeReplica, type Snapshot } from "./replica.js";
import { ASSERT_SLICE, CREATE_GROUP, DELETE_GROUP, SNAPSHOT, WRITE_MEMBERSHIP } from "./scripts.js";
import { parseSnapshot } from "./snapshot.js";
import { Subscriber } from "./subscriber.js";
import { decodeEvent, type Encoded, encodeMessage } from "./wire.js";

// How long a catch-up waits for the scope's events before reading a snapshot instead.
const CATCH_UP_WAIT_MS = 250;

export class RedisBackend implements Replication {
  readonly nodeId: NodeId;
  readonly settings: ClusterSettings;
  readonly keys: KeyLayout;
  readonly link: CommandLink;
  readonly heartbeat: Redis;
  readonly events: Subscriber;
  readonly messages: Subscriber;
  readonly liveness: Liveness;
  readonly control: Control;
  readonly channels: GroupChannels;
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  readonly replicas = new Map<string, ScopeReplica>();
  readonly errors: ErrorLog;
  readonly #status: StatusBoard;
  readonly #byEventsChannel = new Map<string, ScopeReplica>();
  readonly #opening = new Map<string, Promise<void>>();
  #started = false;
  #closing = false;
  #healthy = true;
  // Set by a recovery: every view is read again once the link opens.
  #resyncOnOpen = false;
  #idInUse = false;
  resyncs = 0;

  constructor(nodeId: NodeId, settings: ClusterSettings, errors: ErrorLog, status: StatusBoard) {
    this.nodeId = nodeId;
    this.settings = settings;
    this.errors = errors;
    this.#status = status;
    const open = (role: "cmd" | "events" | "messages" | "heartbeat") =>
      connect(settings.redis, settings.prefix, nodeId, role);
    const cmd = open("cmd");
    this.keys = new KeyLayout(settings.prefix, cmd.options.db ?? 0);
    this.link = new CommandLink(cmd, {
      commandTimeoutMs: settings.commandTimeoutMs,
      retryDelayMs: settings.heartbeatIntervalMs,
      report: this.report,
      recover: () => this.#recover(),
      onOpenChange: (isOpen) => this.#linkChanged(isOpen),
    });
    this.heartbeat = open("heartbeat");
    const subscribed = { report: this.report, onSubscribedChange: () => this.#updateStatus() };
    this.events = new Subscriber(open("events"), {
      report: this.report,
      onSubscribedChange: (isSubscribed) => {
        // Events may have been missed while unsubscribed: every view is read again.
        if (isSubscribed && this.#started)
          for (const replica of this.replicas.values()) this.#resyncQuietly(replica);
        this.#updateStatus();
      },
    });
    this.messages = new Subscriber(open("messages"), subscribed);
    for (const conn of [this.heartbeat, this.events.conn, this.messages.conn]) conn.on("error", this.report);
    this.channels = new GroupChannels(this.messages);
    this.inbox = new Inbox(nodeId, this.keys.barrier(nodeId), this.channels, this.report);
    this.outbox = new Outbox(nodeId, this.link, settings.maxOfflineBytes);
    const backend = this;
    this.liveness = new Liveness(
      {
        nodeId,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        nodeTimeoutMs: settings.nodeTimeoutMs,
        keys: this.keys,
        link: this.link,
        heartbeat: this.heartbeat,
        report: this.report,
        onLost: () => this.link.recover(),
        onBeat: (isHealthy) => {
          this.#healthy = isHealthy;
          if (!isHealthy) for (const replica of this.replicas.values()) replica.isCurrent = false;
          this.#updateStatus();
        },
        afterTick: () => void this.#tailCheck(),
      },
      (scopeId, node, incarnation) => {
        const keys = this.keys.scope(scopeId);
        return { keys: this.#scopeKeyList(keys, node), args: this.#scopeArgs(keys, node, incarnation) };
      },
    );
    this.control = new Control({
      nodeId,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      keys: this.keys,
      link: this.link,
      replicas: this.replicas,
      get incarnation() {
        return backend.liveness.incarnation;
      },
    });
  }

  get isClosed(): boolean {
    return this.#closing;
  }

  /** Reports a background failure with its code; never throws. */
  readonly report = (error: unknown): void => {
    if (this.#closing) return;
    if (error instanceof NodeIdInUseError) {
      this.#idInUse = true;
      this.#updateStatus();
    }
    this.errors.report(error);
  };

  /** Connects, registers (waiting out a previous incarnation of this id), subscribes and heartbeats. */
  async start(): Promise<void> {
    this.events.conn.on("message", (channel: string, raw: string) => this.#onEvent(channel, raw));
    this.messages.conn.on("message", (channel: string, raw: string) => this.inbox.onMessage(channel, raw));
    try {
      await Promise.all([
        this.heartbeat.connect(),
        this.events.start([this.keys.ctl(this.nodeId)]),
        this.messages.start([this.keys.barrier(this.nodeId)]),
        this.link.start(),
      ]);
    } catch (error) {
      if (error instanceof NodeIdInUseError) throw error;
      const url = this.settings.redis.replace(/\/\/[^@/]*@/, "//***@"); // no password in messages
      throw new BackendUnavailableError(`cannot reach Redis at ${url}: ${String(error)}`, { cause: error });
    }
    await this.liveness.purgeOwn();
    this.liveness.start();
    this.#started = true;
    this.#updateStatus();
  }

  openScope(core: ScopeGroups): Promise<void> {
    let opening = this.#opening.get(core.key);
    if (opening === undefined) {
      opening = this.#open(core).catch((error: unknown) => {
        this.#opening.delete(core.key);
        throw error;
      });
      this.#opening.set(core.key, opening);
    }
    return opening;
  }

  async #open(core: ScopeGroups): Promise<void> {
    const keys = this.keys.scope(core.key);
    const replica = new ScopeReplica(core, keys, this);
    // Subscribe first, then snapshot: an event of a change made after the snapshot can
    // then never be missed, only buffered and applied past the snapshot's number.
    this.#byEventsChannel.set(keys.events, replica);
    this.replicas.set(core.key, replica);
    try {
      await this.#bounded(this.events.add(keys.events), `opening scope ${core.key}`);
      await this.resync(replica);
    } catch (error) {
      this.#byEventsChannel.delete(keys.events);
      this.replicas.delete(core.key);
      this.events.remove(keys.events);
      throw error;
    }
  }

  resync(replica: ScopeReplica): Promise<void> {
    this.resyncs++;
    return replica.resync();
  }

  async catchUp(scope: Scope): Promise<void> {
    const replica = this.#replica(scope);
    const [epoch, seq] = done(
      await this.link.call((conn) => conn.hmget(replica.keys.meta, "epoch", "seq"), {
        what: `reading scope ${replica.keys.id}`,
        onInterrupt: "resend",
      }),
    );
    if (epoch == null) return; // the scope has no keys: nothing to catch up with
    // The events are normally milliseconds behind; a snapshot only if they do not come.
    if (await replica.reached(epoch, Number(seq ?? 0), CATCH_UP_WAIT_MS)) return;
    await this.resync(replica);
  }

  async createGroup(scope: Scope, record: GroupRecord): Promise<void> {
    const replica = this.#replica(scope);
    // The group's epoch is made here, so a create sent again after a lost reply finds its own group.
    const epoch = randomBytes(8).toString("hex");
    const labels = JSON.stringify(record.labels);
    const reply = list(
      done(
        await this.#scopeScript(replica, CREATE_GROUP, [record.name, record.createdAtMs, labels, epoch], {
          what: `createGroup '${record.name}'`,
          onInterrupt: "resend",
        }),
      ),
    );
    if (reply[0] === "exists") throw new GroupAlreadyExistsError(record.name, scope);
    // The event may have been applied already; either way the view knows the epoch now.
    if (!replica.groups.has(record.name)) replica.groups.set(record.name, { epoch, record });
  }

  async deleteGroup(scope: Scope, name: string): Promise<void> {
    const replica = this.#replica(scope);
    await this.#scopeScript(replica, DELETE_GROUP, [name], {
      what: `deleteGroup '${name}'`,
      onInterrupt: "resend",
    });
    this.groupGone(replica, name);
  }

  async writeMembership(scope: Scope, record: MembershipRecord, visible = false): Promise<void> {
    const replica = this.#replica(scope);
    const change = ++replica.changes;
    // Listen on the group's channel from the first local join on (in parallel with the
    // write); the join resolves only once the SUBSCRIBE is confirmed.
    let subscribed: Promise<void> | undefined;
    if (record.count > 0) {
      subscribed = this.channels.add(replica, record.group, record.actorId);
      subscribed.catch(() => undefined); // awaited below; this only marks it handled meanwhile
    } else {
      this.channels.remove(replica, record.group, record.actorId);
    }
    const what = `${record.count > 0 ? "join" : "leave"} of '${record.actorId}' to '${record.group}'`;
    const reply = await this.#scopeScript(
      replica,
      WRITE_MEMBERSHIP,
      [
        record.group,
        replica.groups.get(record.group)?.epoch ?? "",
        record.actorId,
        record.count,
        record.topics.join(","),
        visible ? this.nodeId : "",
      ],
      // Cut off on its way, it is done once a re-assertion of the scope has included it.
      { what, onInterrupt: "covered", isCovered: () => replica.assertedUpTo >= change },
    );
    if (reply !== COVERED && list(reply)[0] === "nogroup") {
      if (record.count <= 0) return; // the group went, and the membership with it
      this.channels.remove(replica, record.group, record.actorId);
      throw new GroupNotFoundError(record.group, scope);
    }
    if (subscribed !== undefined) await this.#bounded(subscribed, what);
    if (!visible) return;
    const at =
      reply === COVERED
        ? replica.lastAssert
        : { epoch: text(list(reply)[1]), seq: Number(list(reply)[2]), holders: pairs(list(reply)[3]) };
    if (at === null) return;
    const join = { group: record.group, actorId: record.actorId, epoch: at.epoch, seq: at.seq };
    await this.control.awaitVisible(
      scope,
      replica.keys.id,
      join,
      new Map(at.holders),
      this.settings.joinVisibilityTimeoutMs,
    );
  }

  encode(scope: Scope, message: RemoteMessage): Encoded {
    const encoded = encodeMessage(scope, message, this.settings.maxPayloadBytes);
    this.outbox.admit(encoded, `publishToGroup '${message.group}'`);
    return encoded;
  }

  forward(scope: Scope, group: string, encoded: Encoded): void {
    // Always through Redis, even when the view shows no remote member: it may not show
    // yet a member that joined elsewhere a moment ago, whose node is subscribed.
    this.outbox.send(encoded, this.#replica(scope).keys.groupChannelPrefix + group);
  }

  /** Leaves the cluster (this node's rows removed), then closes every connection and timer. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.outbox.flush();
    try {
      await this.liveness.leave(Math.max(1_000, 2 * this.settings.heartbeatIntervalMs));
    } finally {
      this.halt();
    }
  }

  /** Drops every connection and timer without telling Redis (a crash, or the end of `close`). */
  halt(): void {
    this.#closing = true;
    this.control.visibility.close();
    this.liveness.stop();
    this.outbox.close();
    this.link.close();
    this.events.close();
    this.messages.close();
    this.link.conn.disconnect(false);
    this.heartbeat.disconnect(false);
  }

  // --- for the views ---

  async snapshot(keys: ScopeKeys): Promise<Snapshot> {
    const reply = list(
      done(
        await this.link.script(
          SNAPSHOT,
          [...this.#scopeKeyList(keys, this.nodeId), this.keys.store, this.keys.grace],
          [...this.#scopeArgs(keys, this.nodeId, this.liveness.incarnation), "1", this.liveness.store],
          { what: `reading scope ${keys.id}`, onInterrupt: "resend" },
        ),
      ),
    );
    if (reply[0] === "store") {
      // Redis lost its data (or it is another store): re-assert first, then read.
      this.link.recover();
      throw new Error("the Redis store changed; this node re-registers before reading it");
    }
    return parseSnapshot(reply);
  }

  groupGone(replica: ScopeReplica, name: string): void {
    this.channels.drop(replica, name);
  }

  groupRetired(replica: ScopeReplica, name: string): void {
    this.channels.retire(replica, name);
  }

  acknowledge(to: string, replica: ScopeReplica): void {
    this.control.acknowledge(to, replica);
  }

  // --- recovery (the link calls it after every fault, before it opens) ---

  async #recover(): Promise<void> {
    if (this.liveness.incarnation === "") {
      // The first registration waits out a previous incarnation of this id (a crash).
      await this.liveness.register(this.settings.nodeTimeoutMs + 2 * this.settings.heartbeatIntervalMs);
      return;
    }
    let lost = false;
    if (!(await this.liveness.isRegistered())) {
      lost = await this.liveness.register();
      void this.liveness.purgeOwn().catch(this.report);
    }
    this.#idInUse = false;
    for (const replica of this.replicas.values()) {
      replica.isCurrent = false;
      await this.#assertSlice(replica, lost);
    }
    this.#resyncOnOpen = true;
  }

  // Re-states this node's whole slice of a scope (after a reconnect, a fence or data loss).
  async #assertSlice(replica: ScopeReplica, recreateGroups: boolean): Promise<void> {
    const upTo = replica.changes;
    const groups = recreateGroups ? [...replica.groups.values()] : [];
    const args: (string | number)[] = [recreateGroups ? "1" : "0", groups.length];
    for (const g of groups) {
      args.push(g.record.name, g.epoch, g.record.createdAtMs, JSON.stringify(g.record.labels));
    }
    for (const m of localMemberships(replica.core)) {
      const epoch = replica.groups.get(m.group)?.epoch;
      if (epoch !== undefined) args.push(m.group, epoch, m.actorId, m.count, m.topics.join(","));
    }
    const keys = this.#scopeKeyList(replica.keys, this.nodeId);
    const all = [...this.#scopeArgs(replica.keys, this.nodeId, this.liveness.incarnation), ...args];
    const reply = list(
      await this.link.direct((conn) => conn.evalsha(ASSERT_SLICE.sha, ASSERT_SLICE.keys, ...keys, ...all)),
    );
    // Fenced meanwhile: the recovery starts over and registers again.
    if (reply[0] !== "ok") throw new Error(`node ${this.nodeId} was fenced while re-asserting`);
    replica.assertedUpTo = upTo;
    replica.lastAssert = { epoch: text(reply[1]), seq: Number(reply[2]), holders: pairs(reply[3]) };
  }

  #linkChanged(isOpen: boolean): void {
    if (isOpen && this.#resyncOnOpen) {
      this.#resyncOnOpen = false;
      for (const replica of this.replicas.values()) this.#resyncQuietly(replica);
    }
    this.#updateStatus();
  }

  #updateStatus(): void {
    if (!this.#started || this.#closing) return;
    const problems: string[] = [];
    if (this.#idInUse) problems.push(`node id '${this.nodeId}' is held by another live process`);
    else if (!this.link.isOpen) problems.push("Redis is unreachable, or this node is re-asserting its state");
    if (!this.events.isSubscribed) problems.push("change events are not subscribed");
    if (!this.messages.isSubscribed) problems.push("group messages are not subscribed");
    if (!this.#healthy) problems.push("the heartbeat is failing");
    if (problems.length === 0) this.#status.set("ready", "connected");
    else this.#status.set("degraded", problems.join("; "));
  }

  #resyncQuietly(replica: ScopeReplica): void {
    void this.resync(replica).catch(this.report);
  }

  // Compares idle views with Redis's sequence numbers, so a lost last event is found too.
  async #tailCheck(): Promise<void> {
    if (!this.link.isOpen) return;
    const idle: ScopeReplica[] = [];
    for (const replica of this.replicas.values()) {
      const provisionalEnded = replica.provisionalUntilMs > 0 && Date.now() > replica.provisionalUntilMs;
      if (!replica.isCurrent || provisionalEnded) {
        if (!replica.isSyncing) this.#resyncQuietly(replica);
      } else if (!replica.sawEvent) idle.push(replica);
      replica.sawEvent = false;
    }
    if (idle.length === 0) return;
    try {
      const replies = done(
        await this.link.call(
          (conn) => {
            const pipeline = conn.pipeline();
            for (const replica of idle) pipeline.hmget(replica.keys.meta, "epoch", "seq");
            return pipeline.exec();
          },
          { what: "the tail check", onInterrupt: "drop" },
        ),
      );
      idle.forEach((replica, i) => {
        const [error, value] = replies?.[i] ?? [null, null];
        if (error !== null || !Array.isArray(value)) return;
        const [epoch, seq] = value as (string | null)[];
        if (epoch !== replica.epoch || Number(seq ?? 0) > replica.cursor) this.#resyncQuietly(replica);
      });
    } catch (error) {
      this.report(error);
    }
  }

  #onEvent(channel: string, raw: string): void {
    try {
      const replica = this.#byEventsChannel.get(channel);
      if (replica !== undefined) {
        const event = decodeEvent(raw);
        if (event === null || !replica.onEvent(event)) this.#resyncQuietly(replica);
        return;
      }
      if (channel === this.keys.ctl(this.nodeId)) this.control.onMessage(raw);
    } catch (error) {
      this.report(error);
    }
  }

  // Runs a mutation of a scope as the current incarnation; a fenced reply recovers first.
  #scopeScript(
    replica: ScopeReplica,
    script: typeof CREATE_GROUP,
    args: readonly (string | number)[],
    options: CallOptions,
  ): Promise<unknown> {
    this.outbox.flush(); // publishes made before this change reach Redis before it
    return this.link.call(
      (conn) =>
        conn.evalsha(
          script.sha,
          script.keys,
          ...this.#scopeKeyList(replica.keys, this.nodeId),
          ...this.#scopeArgs(replica.keys, this.nodeId, this.liveness.incarnation),
          ...args,
        ),
      {
        ...options,
        verdict: (reply) => (Array.isArray(reply) && reply[0] === "fenced" ? "recover" : "done"),
      },
    );
  }

  #scopeKeyList(keys: ScopeKeys, node: string): string[] {
    return [keys.meta, keys.groups, keys.holders, this.keys.nodes, this.keys.nodeScopes(node), keys.asserted];
  }

  #scopeArgs(keys: ScopeKeys, node: string, incarnation: string): string[] {
    return [
      node,
      incarnation,
      keys.id,
      keys.membersPrefix,
      keys.nodeRowsPrefix,
      keys.events,
      keys.groupChannelPrefix,
    ];
  }

  #replica(scope: Scope): ScopeReplica {
    const replica = this.replicas.get(`${scope.tenantId}/${scope.namespace}`);
    if (replica === undefined)
      throw new Error(`scope ${scope.tenantId}/${scope.namespace} was used before it was opened`);
    return replica;
  }

  // Waits for `work` no longer than a command may take.
  #bounded<T>(work: Promise<T>, what: string): Promise<T> {
    if (this.#closing) return Promise.reject(new SystemStoppedError(this.nodeId));
    let timer: NodeJS.Timeout | undefined;
    const ms = this.settings.commandTimeoutMs;
    const late = new Promise<never>((_, reject) => {
      const unavailable = () =>
        new BackendUnavailableError(`${what} could not be done: Redis did not confirm it within ${ms} ms`, {
          cause: this.link.lastError,
        });
      timer = setTimeout(() => reject(unavailable()), ms);
      timer.unref();
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }
}

// A value of a call that is never covered (only membership writes are).
function done<T>(value: T | typeof COVERED): T {
  if (value === COVERED) throw new Error("a call that is never covered was covered");
  return value;
}
