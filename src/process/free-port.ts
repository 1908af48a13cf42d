import { createServer } from "node:net";

/**
 * A loopback port nothing listens on right now (the kernel's pick, bound then released), for a
 * server process we are about to start. It may still lose a race for it, so starters retry.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
