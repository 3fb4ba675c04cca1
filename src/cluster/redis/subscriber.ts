/**
 * Subscriber: one pub/sub connection and the channels it should be subscribed to.
 *
 * The client's own re-subscription after a reconnect is off: this class subscribes
 * again to every channel it holds, and the connection counts as subscribed only once
 * Redis has answered that SUBSCRIBE — until then, what is published on those channels
 * may be lost, and the node's status says so. SUBSCRIBE and UNSUBSCRIBE go out on one
 * connection in call order, so a leave followed at once by a join ends subscribed.
 */
import type { Redis } from "ioredis";
import { isReplyError } from "./connection.js";

export interface SubscriberHost {
  readonly report: (error: unknown) => void;
  /** Subscribed again to every channel after a reconnect (or not: `isSubscribed` false). */
  onSubscribedChange(isSubscribed: boolean): void;
}

export class Subscriber {
  readonly conn: Redis;
  readonly #host: SubscriberHost;
  readonly #channels = new Set<string>();
  #isSubscribed = false;
  #isClosed = false;
  // Callers of `add` waiting for the connection to come back.
  readonly #waiting = new Set<() => void>();

  constructor(conn: Redis, host: SubscriberHost) {
    this.conn = conn;
    this.#host = host;
    conn.on("close", () => this.#setSubscribed(false));
    conn.on("ready", () => void this.#resubscribe());
  }

  /** True while every channel held is confirmed subscribed on the live connection. */
  get isSubscribed(): boolean {
    return this.#isSubscribed;
  }

  /** Connects and subscribes to the first channels. */
  async start(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.#channels.add(channel);
    await this.conn.connect();
    await this.conn.subscribe(...this.#channels);
    this.#setSubscribed(true);
  }

  /**
   * Subscribes to a channel; resolves once Redis has confirmed it — on this connection,
   * or, if it is down, with the re-subscription after it comes back.
   */
  add(channel: string): Promise<void> {
    this.#channels.add(channel);
    return new Promise<void>((resolve, reject) => {
      // Whichever comes first: Redis confirms this SUBSCRIBE, or the re-subscription to
      // every channel after a reconnect does.
      const waiter = () => resolve();
      this.#waiting.add(waiter);
      if (this.conn.status !== "ready") return;
      this.conn.subscribe(channel).then(
        () => {
          this.#waiting.delete(waiter);
          resolve();
        },
        (error: unknown) => {
          // Unless Redis itself refused it, the connection is going: the re-subscription answers.
          if (!isReplyError(error)) return;
          this.#waiting.delete(waiter);
          reject(error);
        },
      );
    });
  }

  /** Unsubscribes from a channel; failures are reported, not thrown. */
  remove(channel: string): void {
    if (!this.#channels.delete(channel)) return;
    // A connection that is going forgets its subscriptions anyway; only a refusal is news.
    if (this.conn.status === "ready") {
      this.conn.unsubscribe(channel).catch((error: unknown) => {
        if (isReplyError(error)) this.#host.report(error);
      });
    }
  }

  has(channel: string): boolean {
    return this.#channels.has(channel);
  }

  close(): void {
    this.#isClosed = true;
    this.conn.disconnect(false);
  }

  /** Channels held (for tests and diagnostics). */
  get size(): number {
    return this.#channels.size;
  }

  async #resubscribe(): Promise<void> {
    if (this.#isClosed || this.#channels.size === 0) return;
    try {
      await this.conn.subscribe(...this.#channels);
      this.#setSubscribed(true);
    } catch (error) {
      this.#host.report(error); // the connection went again; its next ready tries again
    }
  }

  #setSubscribed(isSubscribed: boolean): void {
    if (isSubscribed && this.#waiting.size > 0) {
      const waiting = [...this.#waiting];
      this.#waiting.clear();
      for (const resolve of waiting) resolve();
    }
    if (this.#isSubscribed === isSubscribed) return;
    this.#isSubscribed = isSubscribed;
    this.#host.onSubscribedChange(isSubscribed);
  }
}
