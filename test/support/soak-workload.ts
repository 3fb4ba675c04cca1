/**
 * The work one node does in a fault soak (test/processes/soak.test.ts), inside the node
 * process so that it runs at full speed: its actors join and leave random groups of
 * two scopes, and it publishes numbered messages to random groups, without waiting for
 * one call before the next. It keeps what its actors hold as the calls that resolved
 * say (a refused join or leave must change nothing), and every actor checks that each
 * publisher's numbers reach it in increasing order (a number again is a duplicate,
 * a smaller one an overtaking).
 */
import type { ActorSystem } from "../../src/index.js";
import type { SoakPlan, SoakReport, WireScope } from "./cluster-protocol.js";

type Holdings = Record<string, Record<string, string[]>>;
type Counts = { -readonly [K in keyof Omit<SoakReport, "unhandledRejections" | "anomalies">]: number };

export class SoakWorkload {
  readonly #system: ActorSystem;
  readonly #nodeId: string;
  readonly #plan: SoakPlan;
  readonly #report: Counts = {
    joins: 0,
    leaves: 0,
    refused: 0,
    publishes: 0,
    refusedPublishes: 0,
    deliveries: 0,
    repeated: 0,
    outOfOrder: 0,
  };
  // `${tenant}/${group}/${actor}` → joins its resolved calls say it holds.
  readonly #held = new Map<string, number>();
  // `${tenant}/${actor}|${publisher}` → the last number received from that publisher (each
  // scope has an actor of each id: two actors).
  readonly #last = new Map<string, number>();
  readonly #pending = new Set<Promise<unknown>>();
  // `${tenant}/${actor}|${publisher}` → the group the last number came through.
  readonly #lastGroup = new Map<string, string | undefined>();
  readonly #anomalies: string[] = [];
  #timer: NodeJS.Timeout | null = null;
  #seq = 0;
  #random = 1;

  constructor(system: ActorSystem, nodeId: string, plan: SoakPlan) {
    this.#system = system;
    this.#nodeId = nodeId;
    this.#plan = plan;
    this.#random = [...nodeId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) || 1;
  }

  start(): void {
    for (const scope of this.#plan.scopes) {
      for (let i = 0; i < this.#plan.actorsPerScope; i++) {
        const id = this.#actorId(i);
        this.#system.spawn<{ f: string; s: number }>({ id, ...scope }, (message, context) =>
          this.#received(`${scope.tenantId}/${id}`, message, context.group),
        );
      }
    }
    const tickMs = 10;
    const opsPerTick = Math.max(1, Math.round((this.#plan.opsPerSecond * tickMs) / 1_000));
    const publishesPerTick = Math.max(1, Math.round((this.#plan.publishesPerSecond * tickMs) / 1_000));
    const tick = () => {
      for (let i = 0; i < opsPerTick; i++) this.#change();
      for (let i = 0; i < publishesPerTick; i++) this.#publish();
      this.#timer = setTimeout(tick, tickMs);
    };
    tick();
  }

  /** Stops issuing calls and waits for those on their way. */
  async stop(): Promise<Counts & { anomalies: string[] }> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    return { ...this.#report, anomalies: [...this.#anomalies] };
  }

  /** What the resolved calls say the actors hold: tenant → group → actor ids. */
  expected(): Holdings {
    const out: Holdings = {};
    for (const scope of this.#plan.scopes) {
      const groups: Record<string, string[]> = {};
      for (const group of this.#plan.groups) groups[group] = [];
      out[scope.tenantId] = groups;
    }
    for (const [key, count] of this.#held) {
      if (count <= 0) continue;
      const [tenant = "", group = "", actor = ""] = key.split("/");
      out[tenant]?.[group]?.push(actor);
    }
    for (const groups of Object.values(out)) for (const ids of Object.values(groups)) ids.sort();
    return out;
  }

  #actorId(i: number): string {
    return `${this.#nodeId}-s${i}`;
  }

  #next(n: number): number {
    // xorshift32: the same node makes the same choices run after run.
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x >>> 0;
    return this.#random % n;
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#next(items.length)]!;
  }

  #track(call: Promise<unknown>): void {
    this.#pending.add(call);
    void call.finally(() => this.#pending.delete(call));
  }

  #change(): void {
    const scope: WireScope = this.#pick(this.#plan.scopes);
    const group = this.#pick(this.#plan.groups);
    const actor = this.#actorId(this.#next(this.#plan.actorsPerScope));
    const key = `${scope.tenantId}/${group}/${actor}`;
    const groups = this.#system.groups(scope);
    // Leave only what the actor holds, as far as resolved calls say; otherwise join.
    const isLeave = (this.#held.get(key) ?? 0) > 0 && this.#next(2) === 0;
    const call = isLeave ? groups.leaveGroup(group, actor) : groups.joinGroup(group, actor);
    this.#track(
      call.then(
        () => {
          this.#held.set(key, (this.#held.get(key) ?? 0) + (isLeave ? -1 : 1));
          if (isLeave) this.#report.leaves++;
          else this.#report.joins++;
        },
        () => {
          this.#report.refused++;
        },
      ),
    );
  }

  #publish(): void {
    const scope = this.#pick(this.#plan.scopes);
    const group = this.#pick(this.#plan.groups);
    const s = ++this.#seq;
    this.#track(
      this.#system
        .groups(scope)
        .publishToGroup(group, { f: this.#nodeId, s })
        .then(
          () => this.#report.publishes++,
          () => this.#report.refusedPublishes++,
        ),
    );
  }

  #received(actor: string, message: { f: string; s: number }, group: string | undefined): void {
    this.#report.deliveries++;
    const key = `${actor}|${message.f}`;
    const last = this.#last.get(key) ?? 0;
    if (message.s > last) {
      this.#last.set(key, message.s);
      this.#lastGroup.set(key, group);
      return;
    }
    if (message.s === last) this.#report.repeated++;
    else this.#report.outOfOrder++;
    if (this.#anomalies.length < 10) {
      this.#anomalies.push(
        `${new Date().toISOString()} ${actor} got ${message.f}'s #${message.s} via ${group} after #${last} via ${this.#lastGroup.get(key)}`,
      );
    }
  }
}
