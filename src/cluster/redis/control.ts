/**
 * Control: the small messages nodes send each other on their control channels, for
 * join visibility: an ack says how far a node's view of a scope has come, a probe asks
 * for one (wire.ts has their form). They are hints: each can be lost, and the waits
 * they end have deadlines and retries; while the link is down they are not sent.
 */
import type { Scope } from "../../names.js";
import type { KeyLayout } from "./keys.js";
import { COVERED, type CommandLink } from "./link.js";
import type { ScopeReplica } from "./replica.js";
import { Visibility } from "./visibility.js";
import { decodeControl, encodeControl, type Control as Message } from "./wire.js";

export interface ControlHost {
  readonly nodeId: string;
  readonly heartbeatIntervalMs: number;
  readonly keys: KeyLayout;
  readonly link: CommandLink;
  readonly replicas: ReadonlyMap<string, ScopeReplica>;
  /** This node's live incarnation. */
  readonly incarnation: string;
}

export class Control {
  readonly visibility: Visibility;
  readonly #host: ControlHost;

  constructor(host: ControlHost) {
    this.#host = host;
    this.visibility = new Visibility({
      nodeId: host.nodeId,
      heartbeatIntervalMs: host.heartbeatIntervalMs,
      probe: (scopeId, nodes) => {
        for (const node of nodes) this.#send(node, { t: "probe", s: scopeId, n: host.nodeId });
      },
      stillAlive: (nodes) => this.#stillAlive(nodes),
    });
  }

  /** A message on this node's control channel. */
  onMessage(raw: string): void {
    const m = decodeControl(raw);
    if (m === null) return;
    if (m.t === "ack") {
      this.visibility.onAck({ scopeId: m.s, node: m.n, incarnation: m.i, epoch: m.e, cursor: m.c });
    } else if (m.t === "probe") {
      const replica = this.#host.replicas.get(m.s);
      if (replica?.isCurrent === true) this.acknowledge(m.n, replica);
    }
  }

  /** Tells node `to` how far this node's view of a scope has come. */
  acknowledge(to: string, replica: ScopeReplica): void {
    if (to === this.#host.nodeId) return;
    this.#send(to, {
      t: "ack",
      s: replica.keys.id,
      n: this.#host.nodeId,
      i: this.#host.incarnation,
      e: replica.epoch,
      c: replica.cursor,
    });
  }

  /** Waits until every holder has applied change `seq` of the scope (see visibility.ts). */
  awaitVisible(
    scope: Scope,
    scopeId: string,
    join: { group: string; actorId: string; epoch: string; seq: number },
    holders: ReadonlyMap<string, string>,
    timeoutMs: number,
  ): Promise<void> {
    return this.visibility.await(scope, scopeId, join, holders, timeoutMs);
  }

  #send(node: string, message: Message): void {
    if (this.#host.link.isOpen) this.#host.link.publish(this.#host.keys.ctl(node), encodeControl(message));
  }

  // Of the given holders (node → incarnation), those still alive in that incarnation.
  async #stillAlive(nodes: ReadonlyMap<string, string>): Promise<Set<string>> {
    const names = [...nodes.keys()];
    try {
      const current = await this.#host.link.call((conn) => conn.hmget(this.#host.keys.nodes, ...names), {
        what: "a liveness check",
        onInterrupt: "resend",
      });
      if (current === COVERED) return new Set(names);
      return new Set(names.filter((node, i) => current[i] === nodes.get(node)));
    } catch {
      return new Set(names); // unknown: keep waiting for them until the deadline
    }
  }
}
