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
  const qlobber: { Qlobber: typeof Qlobber };
  export default qlobber;
}
