/**
 * The embedded default: one node, nothing to share. The node's own membership index
 * is the whole truth, so every method has nothing to do, and `isDistributed: false`
 * tells the core not to call them on its hot paths at all.
 */
import type { Backend } from "../groups/backend.js";

export class EmbeddedBackend implements Backend {
  readonly isDistributed = false;
  async start(): Promise<void> {}
  async openScope(): Promise<void> {}
  async catchUp(): Promise<void> {}
  async createGroup(): Promise<void> {}
  async deleteGroup(): Promise<void> {}
  async writeMembership(): Promise<void> {}
  encode(): string {
    return "";
  }
  forward(): void {}
  async close(): Promise<void> {}
}
