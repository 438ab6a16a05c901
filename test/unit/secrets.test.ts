// The scrubber both ends apply to command lines and environments (protocol/secrets.ts): what it
// masks, what it must leave readable, and the names --secret-patterns adds.
import { describe, expect, it } from "vitest";
import { SECRET_MASK as M, parseSecretPatterns, SecretScrubber } from "../../protocol/secrets.ts";

const scrub = new SecretScrubber();

describe("secret scrubber on command lines", () => {
  it.each([
    [
      "fleetscope aggregator --token S3CRET --listen 0.0.0.0:8470",
      `fleetscope aggregator --token ${M} --listen 0.0.0.0:8470`,
    ],
    ["app --password=hunter2 --verbose", `app --password=${M} --verbose`],
    [
      "app --client-secret abc --api-key=k1 --secret-key z",
      `app --client-secret ${M} --api-key=${M} --secret-key ${M}`,
    ],
    [
      "env API_KEY=x AWS_SECRET_ACCESS_KEY=y MODE=prod",
      `env API_KEY=${M} AWS_SECRET_ACCESS_KEY=${M} MODE=prod`,
    ],
    ["psql postgres://app:pw0rd@db:5432/x", `psql postgres://app:${M}@db:5432/x`],
    ["app --db-url=mysql://root:pw@h/db", `app --db-url=mysql://root:${M}@h/db`],
  ])("masks %s", (input, masked) => {
    expect(scrub.cmdline(input)).toBe(masked);
  });

  it.each([
    "docker run -p 8080:80 nginx",
    "ssh -p 22 host",
    "collector --token-file /etc/fleetscope/token --password-file /run/pw",
    "sleep 24",
    "sh -c echo hello",
    "app --token",
    "app --token --verbose",
    "app --passport-number 5",
    "",
  ])("leaves %j as it is", (input) => {
    expect(scrub.cmdline(input)).toBe(input);
  });

  it("masks what --secret-patterns adds, options and variables alike", () => {
    const custom = new SecretScrubber(parseSecretPatterns(" *_DSN , db-url "));
    expect(custom.cmdline("app SENTRY_DSN=https://k@s/1 --db-url x --mode y")).toBe(
      `app SENTRY_DSN=${M} --db-url ${M} --mode y`,
    );
    expect(scrub.cmdline("app SENTRY_DSN=abc --db-url x")).toBe("app SENTRY_DSN=abc --db-url x");
  });

  it("masks argv words without merging them", () => {
    expect(scrub.argv(["app", "--password", "two words", "x"])).toEqual(["app", "--password", M, "x"]);
  });
});
