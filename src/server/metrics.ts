/**
 * The server's metrics, in Prometheus form (prom-client), on a registry the caller
 * gives: nothing is registered globally, so an application embedding the server keeps
 * its own default metrics its own business. Counts are per tenant, and the tenant
 * label is bounded: past MAX_TENANTS distinct tenants, the rest count as "other".
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ActorSystem, ProcessGroups } from "../index.js";

const MAX_TENANTS = 100;

export class ServerMetrics {
  readonly joins: Counter<"tenant">;
  readonly leaves: Counter<"tenant">;
  readonly publishes: Counter<"tenant" | "via">;
  readonly deliveries: Counter<"tenant">;
  readonly drops: Counter<"tenant">;
  readonly publishSeconds: Histogram<"tenant">;
  readonly fanOut: Histogram<"tenant">;
  readonly connections: Gauge<"tenant">;
  readonly #tenants = new Set<string>();

  constructor(registry: Registry, system: ActorSystem, scopes: () => Iterable<ProcessGroups>) {
    const registers = [registry];
    const tenant = ["tenant"] as const;
    this.joins = new Counter({
      name: "chorus_joins_total",
      help: "Joins made through the server",
      labelNames: tenant,
      registers,
    });
    this.leaves = new Counter({
      name: "chorus_leaves_total",
      help: "Leaves made through the server",
      labelNames: tenant,
      registers,
    });
    this.publishes = new Counter({
      name: "chorus_publishes_total",
      help: "Publishes made through the server",
      labelNames: ["tenant", "via"] as const,
      registers,
    });
    this.deliveries = new Counter({
      name: "chorus_deliveries_total",
      help: "Messages handed to WebSocket members of this server",
      labelNames: tenant,
      registers,
    });
    this.drops = new Counter({
      name: "chorus_drops_total",
      help: "Messages dropped by the mailboxes of WebSocket members of this server",
      labelNames: tenant,
      registers,
    });
    this.publishSeconds = new Histogram({
      name: "chorus_publish_duration_seconds",
      help: "Time to publish, from the request to its result",
      labelNames: tenant,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.fanOut = new Histogram({
      name: "chorus_publish_fanout",
      help: "Members a publish addressed",
      labelNames: tenant,
      buckets: [0, 1, 10, 100, 1_000, 10_000, 100_000],
      registers,
    });
    this.connections = new Gauge({
      name: "chorus_websocket_connections",
      help: "WebSocket members connected to this server",
      labelNames: tenant,
      registers,
    });
    const metrics = this;
    new Gauge({
      name: "chorus_groups",
      help: "Groups in the scopes this server has served",
      labelNames: tenant,
      registers,
      async collect() {
        this.reset();
        for (const [label, { groups }] of await metrics.#census(scopes()))
          this.set({ tenant: label }, groups);
      },
    });
    new Gauge({
      name: "chorus_members",
      help: "Memberships in the scopes this server has served",
      labelNames: tenant,
      registers,
      async collect() {
        this.reset();
        for (const [label, { members }] of await metrics.#census(scopes()))
          this.set({ tenant: label }, members);
      },
    });
    new Gauge({
      name: "chorus_ready",
      help: "1 while the node is ready (its backend connected and subscribed), else 0",
      registers,
      collect() {
        this.set(system.status === "ready" ? 1 : 0);
      },
    });
  }

  /** The label for a tenant: itself, or "other" once MAX_TENANTS others have been seen. */
  tenant(tenantId: string): string {
    if (this.#tenants.has(tenantId)) return tenantId;
    if (this.#tenants.size >= MAX_TENANTS) return "other";
    this.#tenants.add(tenantId);
    return tenantId;
  }

  async #census(scopes: Iterable<ProcessGroups>): Promise<Map<string, { groups: number; members: number }>> {
    const totals = new Map<string, { groups: number; members: number }>();
    for (const handle of scopes) {
      const label = this.tenant(handle.scope.tenantId);
      const total = totals.get(label) ?? { groups: 0, members: 0 };
      totals.set(label, total);
      let pageToken: string | undefined;
      do {
        const page = await handle.listGroups({
          pageSize: 1_000,
          ...(pageToken !== undefined && { pageToken }),
        });
        total.groups += page.groups.length;
        for (const group of page.groups) total.members += group.memberCount;
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
    }
    return totals;
  }
}
