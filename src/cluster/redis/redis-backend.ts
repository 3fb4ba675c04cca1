/**
 * RedisBackend: the multi-node store, put together. Each node owns the memberships of
 * the actors it hosts (the `pg` model) and states them absolutely in Redis, one Lua
 * script per change (scripts.ts, scope-store.ts); Redis orders each scope's changes
 * with a sequence number; every node keeps a view of the scopes it touches (views.ts,
 * replica.ts), so reads and the recipients of a publish need no round trip; messages
 * travel on one channel per group (outbox.ts, inbox.ts), and sends and asks to one
 * actor on its node's channel (direct.ts).
 *
 * Four connections, each named `<prefix>:<node>:<role>`: `cmd`, the command link
 * (link.ts: every write and read, in order, and recovery.ts after any fault),
 * `events` (scope change events and this node's control channel) and `messages` (the
 * group channels of its members) — separate, so a message flood that trips Redis's
 * pub/sub output limit cannot cut membership events — and `heartbeat` (liveness.ts).
 * `status` says whether all of them currently work.
 */
import type { Redis } from "ioredis";
import type { MemberRef } from "../../actors/member-ref.js";
import type { ErrorLog } from "../../error-log.js";
import { BackendUnavailableError, NodeIdInUseError, SystemStoppedError } from "../../errors.js";
import type { GroupRecord, MembershipRecord } from "../../groups/remote-changes.js";
import type { ScopeGroups } from "../../groups/scope-groups.js";
import type { NodeId, Scope } from "../../names.js";
import type { StatusBoard } from "../../status.js";
import type { RemoteMessage, Replication } from "../replication.js";
import { connect } from "./connection.js";
import { Control } from "./control.js";
import { DirectLine, type LocalActors } from "./direct.js";
import { GroupChannels } from "./group-channels.js";
import { Inbox } from "./inbox.js";
import { KeyLayout, type ScopeKeys } from "./keys.js";
import { CommandLink } from "./link.js";
import { Liveness } from "./liveness.js";
import type { ClusterSettings } from "./options.js";
import { Outbox } from "./outbox.js";
import { type RecoveryHost, recover } from "./recovery.js";
import type { ScopeReplica, Snapshot } from "./replica.js";
import { scopeCall } from "./scope-call.js";
import { ScopeStore } from "./scope-store.js";
import { Subscriber } from "./subscriber.js";
import { Views } from "./views.js";
import { type Encoded, encodeData, encodeMessage } from "./wire.js";

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
  readonly direct: DirectLine;
  readonly views: Views;
  readonly store: ScopeStore;
  readonly errors: ErrorLog;
  readonly #status: StatusBoard;
  /** @internal A recovery waits for this before the link opens (test-seams.ts holds it). */
  reopenGate: Promise<void> | null = null;
  #started = false;
  #closing = false;
  #healthy = true;
  // Set by a recovery: every view is read again once the link opens.
  #resyncOnOpen = false;
  #idInUse = false;

  constructor(
    nodeId: NodeId,
    settings: ClusterSettings,
    errors: ErrorLog,
    status: StatusBoard,
    local: LocalActors,
  ) {
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
      recover: async (link) => {
        await recover(this.#recoveryHost, link);
        await this.reopenGate;
        this.#idInUse = false;
        this.#resyncOnOpen = true;
      },
      onOpenChange: (isOpen) => this.#linkChanged(isOpen),
      stopped: () => new SystemStoppedError(nodeId),
    });
    this.heartbeat = open("heartbeat");
    const subscribed = { report: this.report, onSubscribedChange: () => this.#updateStatus() };
    this.events = new Subscriber(open("events"), {
      report: this.report,
      onSubscribedChange: (isSubscribed) => {
        // Events may have been missed while unsubscribed: every view is read again.
        if (isSubscribed && this.#started) this.views.resyncAll();
        this.#updateStatus();
      },
    });
    this.messages = new Subscriber(open("messages"), subscribed);
    for (const conn of [this.heartbeat, this.events.conn, this.messages.conn]) conn.on("error", this.report);
    this.channels = new GroupChannels(this.messages);
    this.outbox = new Outbox(nodeId, this.link, settings.maxOfflineBytes);
    this.direct = new DirectLine({
      nodeId,
      keys: this.keys,
      outbox: this.outbox,
      maxPayloadBytes: settings.maxPayloadBytes,
      commandTimeoutMs: settings.commandTimeoutMs,
      local,
    });
    this.inbox = new Inbox(nodeId, this.keys.barrier(nodeId), this.channels, this.direct, this.report);
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
          if (!isHealthy) this.views.markStale();
          this.#updateStatus();
        },
        afterTick: () => {
          this.direct.nodesAlive(this.liveness.liveNodes, this.liveness.liveNodesReadAt);
          void this.views.check();
        },
      },
      (scopeId, node, incarnation) => scopeCall(this.keys, this.keys.scope(scopeId), node, incarnation),
    );
    this.store = new ScopeStore({
      nodeId,
      settings,
      keys: this.keys,
      link: this.link,
      liveness: this.liveness,
      outbox: this.outbox,
      channels: this.channels,
      get control() {
        return backend.control;
      },
      get isClosed() {
        return backend.isClosed;
      },
      resync: (replica) => this.views.resync(replica),
    });
    this.views = new Views(
      {
        keys: this.keys,
        link: this.link,
        events: this.events,
        report: this.report,
        bounded: (work, what) => this.store.bounded(work, what),
      },
      this,
    );
    this.control = new Control({
      nodeId,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      keys: this.keys,
      link: this.link,
      get replicas() {
        return backend.views.all;
      },
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
        this.messages.start([this.keys.barrier(this.nodeId), this.direct.channel]),
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
    return this.views.open(core);
  }

  catchUp(scope: Scope): Promise<void> {
    return this.store.catchUp(this.views.of(scope));
  }

  createGroup(scope: Scope, record: GroupRecord): Promise<void> {
    return this.store.createGroup(this.views.of(scope), record);
  }

  async deleteGroup(scope: Scope, name: string): Promise<void> {
    const replica = this.views.of(scope);
    await this.store.deleteGroup(replica, name);
    this.groupGone(replica, name);
  }

  writeMembership(scope: Scope, record: MembershipRecord, visible = false): Promise<void> {
    return this.store.writeMembership(this.views.of(scope), record, visible);
  }

  encode(scope: Scope, message: RemoteMessage): Encoded {
    const encoded = encodeMessage(scope, message, this.settings.maxPayloadBytes);
    this.outbox.admit(encoded, `publishToGroup '${message.group}'`);
    return encoded;
  }

  checkTravel(to: MemberRef, message: unknown): void {
    encodeData(message, to, `a message for actor '${to.id}'`, this.settings.maxPayloadBytes);
  }

  forward(scope: Scope, group: string, encoded: Encoded): void {
    // Always through Redis, even when the view shows no remote member: it may not show
    // yet a member that joined elsewhere a moment ago, whose node is subscribed.
    this.outbox.send(encoded, this.views.of(scope).keys.groupChannelPrefix + group);
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
    this.direct.close();
    this.liveness.stop();
    this.outbox.close();
    this.link.close();
    this.events.close();
    this.messages.close();
    this.link.conn.disconnect(false);
    this.heartbeat.disconnect(false);
  }

  // --- for the views ---

  snapshot(keys: ScopeKeys): Promise<Snapshot> {
    return this.store.snapshot(keys);
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

  get #recoveryHost(): RecoveryHost {
    return {
      nodeId: this.nodeId,
      keys: this.keys,
      liveness: this.liveness,
      replicas: this.views.all.values(),
      firstRegistrationWaitMs: this.settings.nodeTimeoutMs + 2 * this.settings.heartbeatIntervalMs,
      report: this.report,
    };
  }

  #linkChanged(isOpen: boolean): void {
    if (isOpen && this.#resyncOnOpen) {
      this.#resyncOnOpen = false;
      this.views.resyncAll();
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

  #onEvent(channel: string, raw: string): void {
    try {
      if (this.views.onEvent(channel, raw)) return;
      if (channel === this.keys.ctl(this.nodeId)) this.control.onMessage(raw);
    } catch (error) {
      this.report(error);
    }
  }
}
