/**
 * Cluster timings for tests, one preset for the in-process clusters (redis-cluster.ts)
 * and the clusters of node processes (cluster-fixture.ts).
 */

export interface Timings {
  readonly heartbeatIntervalMs: number;
  readonly nodeTimeoutMs: number;
  readonly joinVisibilityTimeoutMs?: number;
}

/** Short timings, so failure tests finish in seconds. */
export const FAST = { heartbeatIntervalMs: 150, nodeTimeoutMs: 1_000 } as const satisfies Timings;
