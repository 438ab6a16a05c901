// Values that look secret are masked before anyone sees them: in the environment a collector
// reports (containers' Env), and in process command lines — by the collector before they leave the
// node, and again by the aggregator on output (rows stored by older collectors, or by one run with
// other patterns). Masking errs on the side of too much; a mask hides only the value, never the name.

/** What a masked value reads as. */
export const SECRET_MASK = "•••";

/** Variable names that usually hold secrets: passwords, tokens, API keys, credentials, private keys, certificates. */
const SECRET_NAME = /(pass|secret|token|key|credential|auth|private|cert)/i;

/**
 * Option names (dashes stripped) whose value is a secret: `--token X`, `--password=X`,
 * `--secret-key X`, `--api-key X`, `--client-secret X` … One naming a file or a place (`--token-file`,
 * `--password-path`) holds no secret itself and stays readable.
 */
const SECRET_OPTION =
  /^(?:[a-z0-9]+[-_])*(?:pass|passwd|password|passphrase|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|secret[-_]?key|credentials?|auth)(?:[-_][a-z0-9]+)*$/i;
const NOT_A_SECRET_OPTION = /[-_](?:file|path|dir|env|patterns?)$/i;

/** `NAME=value` where NAME is an identifier (env style); its value is masked when NAME looks secret. */
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.+)$/s;

/** `scheme://user:password@host`: the password part. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi;

/** `*`-globs (`*_DSN`, `MY_APP_*`) as one case-insensitive regular expression; undefined for none. */
function globs(patterns: readonly string[]): RegExp | undefined {
  const parts = patterns
    .map((p) => p.trim().replace(/^-+/, ""))
    .filter(Boolean)
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*"));
  return parts.length > 0 ? new RegExp(`^(?:${parts.join("|")})$`, "i") : undefined;
}

/** Splits `--secret-patterns` text: a comma list of `*`-globs matched against option and variable names. */
export function parseSecretPatterns(value: string): string[] {
  return value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Masks secret-looking values; `extra` globs name more options and variables to mask. */
export class SecretScrubber {
  readonly #extra: RegExp | undefined;

  constructor(extra: readonly string[] = []) {
    this.#extra = globs(extra);
  }

  /** Whether a variable named `name` looks like it holds a secret. */
  secretName(name: string): boolean {
    return SECRET_NAME.test(name) || (this.#extra?.test(name) ?? false);
  }

  /** Whether the option `--name` (dashes included or not) takes a secret value. */
  secretOption(option: string): boolean {
    const name = option.replace(/^-+/, "");
    if (this.#extra?.test(name)) return true;
    return SECRET_OPTION.test(name) && !NOT_A_SECRET_OPTION.test(name);
  }

  /**
   * `KEY=VALUE` with the value masked when KEY looks secret. An empty value stays empty (there is
   * nothing to hide, and "set but empty" is often the bug); an entry without `=` is a name alone.
   */
  env(entry: string): string {
    const eq = entry.indexOf("=");
    if (eq < 0 || eq === entry.length - 1) return entry;
    const name = entry.slice(0, eq);
    return this.secretName(name) ? `${name}=${SECRET_MASK}` : entry;
  }

  /**
   * A command line (arguments joined by spaces, as /proc/PID/cmdline is shown) with secret values
   * masked, word by word as argv() does, plus the password in `scheme://user:pw@host`.
   */
  cmdline(text: string): string {
    if (!text) return text;
    return this.argv(text.split(" ")).join(" ");
  }

  /**
   * Arguments with secret values masked: `--token X`, `--token=X`, `API_KEY=X`, and the password
   * in `scheme://user:pw@host`. Short options are left alone: `-p` is a port as often as a password.
   */
  argv(args: readonly string[]): string[] {
    const out = [...args];
    for (let i = 0; i < out.length; i++) {
      const w = out[i] as string;
      if (w.startsWith("--")) {
        const eq = w.indexOf("=");
        if (eq > 2) {
          if (eq < w.length - 1 && this.secretOption(w.slice(0, eq)))
            out[i] = `${w.slice(0, eq)}=${SECRET_MASK}`;
        } else if (this.secretOption(w) && i + 1 < out.length && !(out[i + 1] as string).startsWith("-")) {
          if (out[i + 1] !== "") out[i + 1] = SECRET_MASK;
          i++;
        }
        continue;
      }
      const m = ASSIGNMENT.exec(w);
      if (m && this.secretName(m[1] as string)) out[i] = `${m[1]}=${SECRET_MASK}`;
    }
    return out.map((w) => w.replace(URL_PASSWORD, `$1${SECRET_MASK}$3`));
  }
}

/** The scrubber with the built-in patterns only. */
export const defaultScrubber = new SecretScrubber();

/** Whether a variable or option named `name` looks like it holds a secret (built-in patterns). */
export function looksSecret(name: string): boolean {
  return defaultScrubber.secretName(name);
}

/** `KEY=VALUE` masked by the built-in patterns (see SecretScrubber.env). */
export function maskSecretEnv(entry: string): string {
  return defaultScrubber.env(entry);
}
