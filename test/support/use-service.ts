import { afterAll, beforeAll } from "vitest";

/**
 * Starts a service once for the enclosing file (or describe block) and stops it after its last
 * test: the beforeAll/afterAll pair every service test used to copy. The returned handle
 * forwards to the started service; touching it outside a test (at collection time) is an error
 * that says so.
 */
export function useService<T extends object>(
  what: string,
  start: () => Promise<T>,
  stop: (service: T) => Promise<void>,
  timeoutMs = 60_000,
): T {
  let service: T | undefined;
  beforeAll(async () => {
    service = await start();
  }, timeoutMs);
  afterAll(async () => {
    const running = service;
    service = undefined;
    if (running !== undefined) await stop(running);
  }, timeoutMs);
  return new Proxy({} as T, {
    get(_target, key) {
      if (service === undefined) {
        throw new Error(`${what} is not running: it starts in beforeAll, use it inside tests and hooks`);
      }
      const value: unknown = Reflect.get(service, key, service);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(service) : value;
    },
  });
}
