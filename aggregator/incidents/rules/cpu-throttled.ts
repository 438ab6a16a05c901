// A container throttled by its CPU quota in most scheduler periods, for several samples in a row.
import { defineRule, plural } from "../rule.ts";
import { STREAK_SETTINGS, streakIncidents } from "./sample-streaks.ts";

export const cpuThrottledRule = defineRule({
  kind: "cpu-throttled",
  perContainer: true,
  needs: ["samples"],
  settings: {
    ...STREAK_SETTINGS,
    throttleRatio: {
      default: 0.5,
      unit: "ratio",
      description: "throttled / elapsed CFS periods at or above this between two samples is throttling",
      flag: "throttle-ratio",
    },
  },
  evaluate: ({ samples }, s, now) =>
    streakIncidents(
      "cpu-throttled",
      samples,
      s,
      now,
      (x, prev) => {
        if (!prev) return false;
        const periods = x.cpuPeriods - prev.cpuPeriods;
        return periods > 0 && (x.cpuThrottledPeriods - prev.cpuThrottledPeriods) / periods >= s.throttleRatio;
      },
      (run, last) => ({
        summary: `${last.containerName} throttled by its CPU quota in ≥ ${Math.round(100 * s.throttleRatio)} % of periods for ${plural(run.length, "sample")}`,
        evidence: { samples: run.length },
      }),
    ),
});
