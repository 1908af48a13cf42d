import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlakyService, type FlakyService } from "../support/flaky-service.js";

describe("flaky service (test support)", () => {
  let service: FlakyService;
  beforeAll(async () => {
    service = await startFlakyService({ requestsPerSecond: 0 });
  });
  afterAll(async () => {
    await service.close();
  });

  it("really fails that share of /api requests and counts them in /metrics", async () => {
    service.setErrorRate(0.7);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await fetch(`${service.url}/api`)).status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(7);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).toContain('http_requests_total{code="200"} 3\n');
    expect(text).toContain('http_requests_total{code="500"} 7\n');
    service.setErrorRate(0);
    expect((await fetch(`${service.url}/api`)).status).toBe(200);
    expect(() => service.setErrorRate(1.5)).toThrow("between 0 and 1");
  });
});
