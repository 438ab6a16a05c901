// The containers view's uptime, rounded as `docker ps` rounds "Up …" (docker/go-units
// HumanDuration), so a row of a long-running container keeps its text from one poll to the next.
import { describe, expect, it } from "vitest";
import { upFor } from "../../client/format.ts";
import type { ContainerOverview } from "../../protocol/api/overview.ts";
import { stateText } from "../../tui/views/containers.ts";

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

describe("uptime as docker ps words it, short", () => {
  it("shows seconds only in the first minute", () => {
    expect(upFor(0.4)).toBe("0s");
    expect(upFor(1)).toBe("1s");
    expect(upFor(59.9)).toBe("59s");
    expect(upFor(60)).toBe("1m"); // docker: About a minute
    expect(upFor(MIN + 59)).toBe("1m");
    expect(upFor(2 * MIN)).toBe("2m");
    expect(upFor(59 * MIN + 59)).toBe("59m");
  });

  it("rounds hours to the nearest from the first hour, then days, weeks, months, years", () => {
    expect(upFor(HOUR)).toBe("1h"); // docker: About an hour
    expect(upFor(HOUR + 29 * MIN)).toBe("1h");
    expect(upFor(HOUR + 30 * MIN)).toBe("2h");
    expect(upFor(47 * HOUR + 29 * MIN)).toBe("47h");
    expect(upFor(47 * HOUR + 30 * MIN)).toBe("2d");
    expect(upFor(13 * DAY + 23 * HOUR)).toBe("13d");
    expect(upFor(14 * DAY)).toBe("2w");
    expect(upFor(59 * DAY)).toBe("8w");
    expect(upFor(60 * DAY)).toBe("2mo");
    expect(upFor(729 * DAY)).toBe("24mo");
    expect(upFor(730 * DAY)).toBe("2y");
    expect(upFor(-5)).toBe("0s"); // a clock behind the aggregator's
  });

  it("fits the STATE column and changes once a minute past the first one", () => {
    const started = Date.parse("2026-12-01T04:00:00Z");
    const row = { state: "running", startedAt: new Date(started).toISOString() } as ContainerOverview;
    expect(stateText(row, started + 45_000)).toBe("up 45s");
    const texts = new Set<string>();
    for (let s = 20 * MIN; s < 21 * MIN; s += 2) texts.add(stateText(row, started + s * 1000));
    expect([...texts]).toEqual(["up 20m"]);
    for (const s of [0, 59, MIN, 59 * MIN, 47 * HOUR, 13 * DAY, 59 * DAY, 729 * DAY, 9999 * DAY])
      expect(stateText(row, started + s * 1000).length).toBeLessThanOrEqual(9);
  });
});
