// Secrets never leave the node: values the collector ships are masked here first when their name
// looks like a secret's (an environment variable, and anything else named KEY=VALUE).

/** What a masked value reads as. */
export const SECRET_MASK = "•••";

/** Names that usually hold secrets: passwords, tokens, API keys, credentials, private keys, certificates. */
const SECRET_NAME = /(pass|secret|token|key|credential|auth|private|cert)/i;

/** Whether a variable or option named `name` looks like it holds a secret (it errs on masking too much). */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * `KEY=VALUE` with the value masked when KEY looks secret. An empty value stays empty (there is
 * nothing to hide, and "set but empty" is often the bug); an entry without `=` is a name alone.
 */
export function maskSecretEnv(entry: string): string {
  const eq = entry.indexOf("=");
  if (eq < 0 || eq === entry.length - 1) return entry;
  const name = entry.slice(0, eq);
  return looksSecret(name) ? `${name}=${SECRET_MASK}` : entry;
}
