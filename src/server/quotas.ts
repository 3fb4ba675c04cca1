/**
 * Per-tenant quotas of one server: groups a tenant may have in the scopes this server
 * serves, WebSocket members it may have connected here, and bytes a published payload
 * may take. Past a count the call is refused with 429 QUOTA_EXCEEDED, past the size
 * with 413; nothing changes either way.
 */
import type { ProcessGroups } from "../index.js";
import { ServerError } from "./wire.js";

/** Per-tenant limits of one server; each is counted on this server alone. */
export interface Quotas {
  /** Groups per tenant, counted over the scopes this server has served. Default: 10 000. */
  readonly maxGroupsPerTenant?: number;
  /** WebSocket members per tenant connected to this server. Default: 10 000. */
  readonly maxMembersPerTenant?: number;
  /** Bytes of a published payload, as JSON. Default: 1 MiB. */
  readonly maxPayloadBytes?: number;
}

export class QuotaGuard {
  readonly maxGroups: number;
  readonly maxMembers: number;
  readonly maxPayloadBytes: number;
  readonly #members = new Map<string, number>();

  constructor(quotas: Quotas = {}) {
    this.maxGroups = quotas.maxGroupsPerTenant ?? 10_000;
    this.maxMembers = quotas.maxMembersPerTenant ?? 10_000;
    this.maxPayloadBytes = quotas.maxPayloadBytes ?? 1024 * 1024;
  }

  /** Refuses a payload whose JSON is larger than the quota. */
  checkPayload(payload: unknown): void {
    const json = JSON.stringify(payload) ?? "";
    if (json.length > this.maxPayloadBytes / 3 && Buffer.byteLength(json) > this.maxPayloadBytes) {
      throw new ServerError(413, "PAYLOAD_TOO_LARGE", `the payload is over ${this.maxPayloadBytes} bytes`);
    }
  }

  /** Refuses a new group when the tenant has its quota of groups in `scopes` already. */
  async checkGroups(tenantId: string, scopes: Iterable<ProcessGroups>): Promise<void> {
    let count = 0;
    for (const handle of scopes) {
      if (handle.scope.tenantId !== tenantId) continue;
      let pageToken: string | undefined;
      do {
        const page = await handle.listGroups({
          pageSize: 1_000,
          ...(pageToken !== undefined && { pageToken }),
        });
        count += page.groups.length;
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
    }
    if (count >= this.maxGroups) {
      throw new ServerError(429, "QUOTA_EXCEEDED", `tenant '${tenantId}' has its ${this.maxGroups} groups`);
    }
  }

  /** One more member of the tenant; refused past the quota. Pair with `memberLeft`. */
  memberJoined(tenantId: string): void {
    const now = this.#members.get(tenantId) ?? 0;
    if (now >= this.maxMembers) {
      throw new ServerError(
        429,
        "QUOTA_EXCEEDED",
        `tenant '${tenantId}' has its ${this.maxMembers} members connected`,
      );
    }
    this.#members.set(tenantId, now + 1);
  }

  memberLeft(tenantId: string): void {
    const left = (this.#members.get(tenantId) ?? 1) - 1;
    if (left > 0) this.#members.set(tenantId, left);
    else this.#members.delete(tenantId);
  }
}
