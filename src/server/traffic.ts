/**
 * Traffic of the groups this server serves, for the dashboard: per group, publishes,
 * deliveries to its members and drops, counted per second over the last five minutes,
 * and the latest published messages (topic, size, recipients, a short preview).
 * Bounded: at most MAX_GROUPS groups are followed (the least recently active goes).
 */

const SECONDS = 300;
const RECENT = 20;
const MAX_GROUPS = 1_000;
const PREVIEW_CHARS = 120;

export interface TrafficPoint {
  /** Unix seconds. */
  readonly t: number;
  readonly publishes: number;
  readonly deliveries: number;
  readonly drops: number;
}

export interface RecentMessage {
  readonly atMs: number;
  readonly topic: string | null;
  readonly bytes: number;
  readonly recipients: number;
  readonly from: string;
  /** The payload as JSON, cut to a preview. */
  readonly preview: string;
}

class GroupTraffic {
  // Three counters per second, in a ring indexed by the second.
  readonly seconds = new Int32Array(SECONDS);
  readonly publishes = new Int32Array(SECONDS);
  readonly deliveries = new Int32Array(SECONDS);
  readonly drops = new Int32Array(SECONDS);
  readonly recent: RecentMessage[] = [];

  slot(now: number): number {
    const second = Math.floor(now / 1_000);
    const at = second % SECONDS;
    if (this.seconds[at] !== second) {
      this.seconds[at] = second;
      this.publishes[at] = 0;
      this.deliveries[at] = 0;
      this.drops[at] = 0;
    }
    return at;
  }
}

export class Traffic {
  readonly #groups = new Map<string, GroupTraffic>();

  /** A publish through this server, which addressed `recipients` members. */
  published(
    scopeKey: string,
    group: string,
    message: Omit<RecentMessage, "atMs" | "preview"> & { payload: unknown },
  ): void {
    const now = Date.now();
    const traffic = this.#of(scopeKey, group);
    const at = traffic.slot(now);
    traffic.publishes[at]! += 1;
    const json = JSON.stringify(message.payload) ?? "";
    traffic.recent.push({
      atMs: now,
      topic: message.topic,
      bytes: message.bytes,
      recipients: message.recipients,
      from: message.from,
      preview: json.length > PREVIEW_CHARS ? `${json.slice(0, PREVIEW_CHARS)}…` : json,
    });
    if (traffic.recent.length > RECENT) traffic.recent.shift();
  }

  /** A message handed to a member of this server (or dropped by its mailbox). */
  delivered(scopeKey: string, group: string, dropped = 0): void {
    const traffic = this.#of(scopeKey, group);
    const at = traffic.slot(Date.now());
    traffic.deliveries[at]! += 1;
    traffic.drops[at]! += dropped;
  }

  /** The last five minutes of a group, oldest first, one point a second (zeros where quiet). */
  series(scopeKey: string, group: string): TrafficPoint[] {
    const traffic = this.#groups.get(`${scopeKey}\n${group}`);
    const now = Math.floor(Date.now() / 1_000);
    const points: TrafficPoint[] = [];
    for (let t = now - SECONDS + 1; t <= now; t++) {
      const at = t % SECONDS;
      const live = traffic !== undefined && traffic.seconds[at] === t;
      points.push({
        t,
        publishes: live ? traffic.publishes[at]! : 0,
        deliveries: live ? traffic.deliveries[at]! : 0,
        drops: live ? traffic.drops[at]! : 0,
      });
    }
    return points;
  }

  recent(scopeKey: string, group: string): readonly RecentMessage[] {
    return this.#groups.get(`${scopeKey}\n${group}`)?.recent ?? [];
  }

  /** The counts of the last complete second, per group of a scope that had any. */
  lastSecond(scopeKey: string): Record<string, Omit<TrafficPoint, "t">> {
    const prefix = `${scopeKey}\n`;
    const t = Math.floor(Date.now() / 1_000) - 1;
    const at = t % SECONDS;
    const out: Record<string, Omit<TrafficPoint, "t">> = {};
    for (const [key, traffic] of this.#groups) {
      if (!key.startsWith(prefix) || traffic.seconds[at] !== t) continue;
      out[key.slice(prefix.length)] = {
        publishes: traffic.publishes[at]!,
        deliveries: traffic.deliveries[at]!,
        drops: traffic.drops[at]!,
      };
    }
    return out;
  }

  #of(scopeKey: string, group: string): GroupTraffic {
    const key = `${scopeKey}\n${group}`;
    let traffic = this.#groups.get(key);
    if (traffic === undefined) {
      if (this.#groups.size >= MAX_GROUPS) this.#groups.delete(this.#groups.keys().next().value!);
      traffic = new GroupTraffic();
    } else this.#groups.delete(key); // re-inserted below: the map's order is recency
    this.#groups.set(key, traffic);
    return traffic;
  }
}
