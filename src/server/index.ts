/**
 * `chorus-pg/server`: the Chorus server for an application to run or embed. `serve`
 * starts a node and listens, as `chorus serve` does; `buildApp` gives the Fastify app
 * over a system the caller runs. A second entry, so the library alone never loads
 * Fastify, pino or prom-client.
 *
 * @module chorus-pg/server
 */

export { type AppOptions, buildApp, type ChorusApp } from "./app.js";
export { loadTokens, TenantAuth, type TokenTable } from "./auth.js";
export type { Quotas } from "./quotas.js";
export { exitOnSignals, type RunningServer, type ServeOptions, serve } from "./serve.js";
