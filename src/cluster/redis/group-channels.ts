/**
 * GroupChannels: the group message channels this node listens to, and what each is
 * for. A node listens to a group's channel exactly while it hosts a member of the
 * group; the first local join waits until Redis has confirmed the SUBSCRIBE, so a
 * publish made anywhere after the join resolves reaches it. The table also routes what
 * arrives: a channel names its scope's view and its group, so nothing is parsed out of
 * channel names.
 */
import type { ScopeReplica } from "./replica.js";
import type { Subscriber } from "./subscriber.js";

/** Where a group channel's messages go. */
export interface ChannelRoute {
  readonly replica: ScopeReplica;
  readonly group: string;
  // The local actors that are members; the channel is held while there is one.
  readonly actors: Set<string>;
  // The last batch number seen per sender stream (`sender stream`): duplicates and order.
  readonly streams: Map<string, number>;
}

export class GroupChannels {
  readonly #routes = new Map<string, ChannelRoute>();

  constructor(readonly subscriber: Subscriber) {}

  route(channel: string): ChannelRoute | undefined {
    return this.#routes.get(channel);
  }

  /** A local actor is a member now; resolves once the node is subscribed. */
  add(replica: ScopeReplica, group: string, actorId: string): Promise<void> {
    const channel = replica.keys.groupChannelPrefix + group;
    let route = this.#routes.get(channel);
    if (route === undefined) {
      route = { replica, group, actors: new Set(), streams: new Map() };
      this.#routes.set(channel, route);
    }
    route.actors.add(actorId);
    return this.subscriber.add(channel);
  }

  /** A local actor is no longer a member; the last one out unsubscribes. */
  remove(replica: ScopeReplica, group: string, actorId: string): void {
    const channel = replica.keys.groupChannelPrefix + group;
    const route = this.#routes.get(channel);
    if (route === undefined || !route.actors.delete(actorId) || route.actors.size > 0) return;
    this.drop(replica, group);
  }

  /**
   * The group is deleted but its last messages may still come: the channel stays,
   * holding no member, until `dropIfIdle`.
   */
  retire(replica: ScopeReplica, group: string): void {
    this.#routes.get(replica.keys.groupChannelPrefix + group)?.actors.clear();
  }

  /** The deleted group's stream ended: the channel goes unless a new member joined meanwhile. */
  dropIfIdle(replica: ScopeReplica, group: string): void {
    if (this.#routes.get(replica.keys.groupChannelPrefix + group)?.actors.size === 0)
      this.drop(replica, group);
  }

  /** The group is gone (deleted, or re-created without these members). */
  drop(replica: ScopeReplica, group: string): void {
    const channel = replica.keys.groupChannelPrefix + group;
    if (!this.#routes.delete(channel)) return;
    this.subscriber.remove(channel);
  }
}
