/** The part of qlobber's API the benchmarks use (the package ships no types). */
declare module "qlobber" {
  interface QlobberOptions {
    readonly separator?: string;
    readonly wildcard_one?: string;
    readonly wildcard_some?: string;
  }
  class Qlobber<V = unknown> {
    constructor(options?: QlobberOptions);
    add(topic: string, value: V): this;
    remove(topic: string, value?: V): this;
    match(topic: string): V[];
    clear(): this;
  }
  /** Values are kept in a Set per pattern: a remove is O(1) and `match` returns a Set. */
  class QlobberDedup<V = unknown> {
    constructor(options?: QlobberOptions);
    add(topic: string, value: V): this;
    remove(topic: string, value?: V): this;
    match(topic: string): Set<V>;
  }
  const qlobber: { Qlobber: typeof Qlobber; QlobberDedup: typeof QlobberDedup };
  export default qlobber;
}
