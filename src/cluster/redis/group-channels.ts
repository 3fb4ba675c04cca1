/**
 * GroupChannels: which group message channels this node subscribes to. A node listens
 * to a group's channel exactly while it hosts a member of the group; the first local
 * join waits for Redis to confirm the SUBSCRIBE, so a publish made anywhere after the
 * join resolves reaches it. SUBSCRIBE and UNSUBSCRIBE go out on one connection in call
 * order, so a leave followed at once by a join ends subscribed.
 */
import type { Redis } from "ioredis";

export class GroupChannels {
  // channel → ids of the local actors that are members; subscribed while non-empty.
  readonly #local = new Map<string, Set<string>>();
  // channel → its SUBSCRIBE, until Redis confirms it.
  readonly #pending = new Map<string, Promise<void>>();

  constructor(
    readonly connection: Redis,
    readonly report: (error: unknown) => void,
  ) {}

  get size(): number {
    return this.#local.size;
  }

  /** A local actor is a member now; resolves once the node is subscribed. */
  add(channel: string, actorId: string): Promise<void> {
    let actors = this.#local.get(channel);
    if (actors === undefined) {
      this.#local.set(channel, (actors = new Set()));
      const subscribing = this.connection.subscribe(channel).then(
        () => {
          if (this.#pending.get(channel) === subscribing) this.#pending.delete(channel);
        },
        (error: unknown) => {
          // Not subscribed: forget the channel so the next join subscribes again.
          if (this.#local.get(channel) === actors) this.#local.delete(channel);
          this.#pending.delete(channel);
          throw error;
        },
      );
      this.#pending.set(channel, subscribing);
    }
    actors.add(actorId);
    return this.#pending.get(channel) ?? Promise.resolve();
  }

  /** A local actor is no longer a member; the last one out unsubscribes. */
  remove(channel: string, actorId: string): void {
    const actors = this.#local.get(channel);
    if (actors === undefined || !actors.delete(actorId) || actors.size > 0) return;
    this.drop(channel);
  }

  /** The group is gone (deleted, or re-created without these members). */
  drop(channel: string): void {
    if (!this.#local.delete(channel)) return;
    this.#pending.delete(channel);
    this.connection.unsubscribe(channel).catch(this.report);
  }
}
