// A container held near its memory limit for several samples in a row: the OOM killer is close.
import { defineRule, plural } from "../rule.ts";
import { STREAK_SETTINGS, streakIncidents } from "./sample-streaks.ts";

const mib = (b: number) => `${Math.round(b / 1024 / 1024)} MiB`;

export const memoryPressureRule = defineRule({
  kind: "memory-pressure",
  perContainer: true,
  needs: ["samples"],
  settings: {
    ...STREAK_SETTINGS,
    memoryPressureRatio: {
      default: 0.9,
      unit: "ratio",
      description: "a working set at or above this share of the memory limit is pressure",
      flag: "memory-pressure-ratio",
    },
  },
  evaluate: ({ samples }, s, now) =>
    streakIncidents(
      "memory-pressure",
      samples,
      s,
      now,
      (x) => x.memoryLimitBytes > 0 && x.memoryWorkingSetBytes >= s.memoryPressureRatio * x.memoryLimitBytes,
      (run, last) => {
        const peak = Math.max(...run.map((x) => x.memoryWorkingSetBytes));
        const limit = last.memoryLimitBytes;
        return {
          summary: `${last.containerName} held at ${Math.round((100 * peak) / limit)} % of its ${mib(limit)} memory limit for ${plural(run.length, "sample")}`,
          evidence: { peakWorkingSetBytes: peak, limitBytes: limit, samples: run.length },
        };
      },
    ),
});
