// Every incident rule, in the order they run. A rule that needs `incidents` sees what the rules
// above it found in the same run (exit reads crash-loop's, fleet everyone's deaths).
//
// Adding a rule: its file in rules/ (kind, settings, needs, evaluate), one line here, and its
// kind in protocol/incident-kinds.ts (what clients show). The kind type, the API's `kind` enum,
// the detector's loop, the settings' defaults and flags all follow from these two lists.
import type { IncidentKind } from "../../protocol/incident-kinds.ts";
import type { Evidence, EvidenceName, IncidentDraft, IncidentRule, Setting } from "./rule.ts";
import { cpuThrottledRule } from "./rules/cpu-throttled.ts";
import { crashLoopRule } from "./rules/crash-loop.ts";
import { errorBurstRule } from "./rules/error-burst.ts";
import { exitRule } from "./rules/exit.ts";
import { fleetRule } from "./rules/fleet.ts";
import { memoryPressureRule } from "./rules/memory-pressure.ts";
import { oomRule } from "./rules/oom.ts";
import { unitFailedRule } from "./rules/unit-failed.ts";

export const RULES = [
  crashLoopRule,
  exitRule,
  oomRule,
  unitFailedRule,
  fleetRule,
  errorBurstRule,
  memoryPressureRule,
  cpuThrottledRule,
] as const;

type Rule = (typeof RULES)[number];

// One rule per kind of protocol/incident-kinds.ts: a kind without a rule fails to type-check
// here, a kind with two fails at load.
type KindsWithoutRule = Exclude<IncidentKind, Rule["kind"]>;
const everyKindHasARule: [KindsWithoutRule] extends [never] ? true : KindsWithoutRule = true;
void everyKindHasARule;
if (new Set(RULES.map((r) => r.kind)).size !== RULES.length)
  throw new Error("two incident rules of one kind");

type SettingNamesOf<R> = R extends { settings: infer S } ? keyof S & string : never;
/** The name of every rule setting. */
export type RuleSettingName = SettingNamesOf<Rule>;
export type RuleSettings = Record<RuleSettingName, number>;

/** Every setting of every rule, once (a table two rules share is one entry). */
export const RULE_SETTINGS: Readonly<Record<RuleSettingName, Setting>> = (() => {
  const out: Record<string, Setting> = {};
  for (const rule of RULES)
    for (const [name, setting] of Object.entries(rule.settings as Record<string, Setting>)) {
      if (out[name] && out[name] !== setting)
        throw new Error(`incident rules declare setting ${name} twice, differently (${rule.kind})`);
      out[name] = setting;
    }
  return out as Record<RuleSettingName, Setting>;
})();

export const DEFAULT_RULE_SETTINGS: Readonly<RuleSettings> = Object.fromEntries(
  Object.entries(RULE_SETTINGS).map(([name, s]) => [name, (s as Setting).default]),
) as RuleSettings;

/** The settings that have a command-line flag, for the CLI to offer (and the README to list). */
export const RULE_SETTING_FLAGS = (Object.entries(RULE_SETTINGS) as [RuleSettingName, Setting][])
  .filter(([, s]) => s.flag !== undefined)
  .map(([name, s]) => ({
    name,
    flag: `--${s.flag}`,
    env: `FLEETSCOPE_${(s.flag as string).toUpperCase().replaceAll("-", "_")}`,
    unit: s.unit,
    default: s.default,
    description: s.description,
  }));

/** Some of the rules, in registry order, and the evidence they need. */
export interface RuleSet {
  rules: readonly IncidentRule[];
  /** The evidence they need, besides what rules pass on to each other. */
  needs: Exclude<EvidenceName, "incidents">[];
}

const ruleSet = (rules: readonly IncidentRule[]): RuleSet => ({
  rules,
  needs: [...new Set(rules.flatMap((r) => [...r.needs] as EvidenceName[]))].filter(
    (n): n is Exclude<EvidenceName, "incidents"> => n !== "incidents",
  ),
});

/** Every rule: the detector's regular run. */
export const ALL_RULES = ruleSet(RULES as readonly IncidentRule[]);
/** The rules about one container at a time: a death's wake-up run (see IncidentRule.perContainer). */
export const PER_CONTAINER_RULES = ruleSet((RULES as readonly IncidentRule[]).filter((r) => r.perContainer));

/** Runs the rules of `set` in order over `evidence`; the incidents of all of them. */
export function evaluateRules(
  evidence: Omit<Evidence, "incidents">,
  settings: RuleSettings,
  now: number,
  set: RuleSet = ALL_RULES,
): IncidentDraft[] {
  const incidents: IncidentDraft[] = [];
  for (const rule of set.rules)
    incidents.push(...rule.evaluate({ ...evidence, incidents: [...incidents] }, settings, now));
  return incidents;
}
