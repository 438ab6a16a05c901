// The filter words of `fleetscope logs` and the TUI's logs `/` box → the API's query parameters:
// free words are ANDed by the server (passed on as `q`, "quoted phrases" kept as one term),
// identifier: and regex: are fields, and a misspelt field word is an error, not silent text.
import { describe, expect, it } from "vitest";
import {
  filterFromArgv,
  LOG_FILTER_FIELDS,
  logFilterToParams,
  parseFilterWords,
} from "../../client/log-filter.ts";
import { editDistance } from "../../protocol/edit-distance.ts";

describe("log filter words", () => {
  it("passes free words on as q, keeping quoted phrases quoted for the server", () => {
    expect(logFilterToParams("refused connection")).toEqual({ q: "refused connection" });
    expect(logFilterToParams('container:api "connection refused" timeout')).toEqual({
      container: "api",
      q: '"connection refused" timeout',
    });
    // An unterminated quote still makes one phrase, closed for the server.
    expect(logFilterToParams('"no such file')).toEqual({ q: '"no such file"' });
  });

  it("knows identifier: (journalctl -t) and regex: (RE2, quoted when it has spaces)", () => {
    expect(logFilterToParams("identifier:sshd unit:ssh.service")).toEqual({
      identifier: "sshd",
      unit: "ssh.service",
    });
    expect(logFilterToParams('regex:"took \\d+ ms" slow')).toEqual({ regex: "took \\d+ ms", q: "slow" });
    expect(logFilterToParams("regex:^GET\\s/api:v1$")).toEqual({ regex: "^GET\\s/api:v1$" });
    expect(LOG_FILTER_FIELDS).toEqual(
      expect.arrayContaining(["host", "container", "stream", "unit", "level", "identifier", "regex"]),
    );
  });

  it("rejects a misspelt field word, naming the known ones and how to search for the text", () => {
    expect(() => logFilterToParams("contaner:x")).toThrow(
      /contaner:x: no filter field "contaner" \(did you mean container:\?\); known: host, container, stream, unit, level, identifier, regex; to search for the text itself, quote it: "contaner:x"/,
    );
    expect(() => logFilterToParams("Levl:error")).toThrow(/did you mean level:/);
    expect(() => logFilterToParams("identifer:sshd")).toThrow(/did you mean identifier:/);
    expect(() => logFilterToParams("hots:web-1")).toThrow(/did you mean host:/);
    // Short words are near everything: within one edit only (os: is two from host:).
    expect(logFilterToParams("os:linux port:8080")).toEqual({ q: "os:linux port:8080" });
    // Quoted, it is text; far from every field, it is text as typed.
    expect(logFilterToParams('"contaner:x"')).toEqual({ q: '"contaner:x"' });
    expect(logFilterToParams("user:alice http://example.com/a")).toEqual({
      q: "user:alice http://example.com/a",
    });
  });

  it("keeps one shell argument with spaces as one phrase (the shell ate its quotes)", () => {
    expect(filterFromArgv(["container:api", "connection refused", "timeout"])).toBe(
      'container:api "connection refused" timeout',
    );
    expect(filterFromArgv(["container:my app", "regex:a b"])).toBe('container:"my app" regex:"a b"');
    expect(filterFromArgv(['"already quoted" phrase'])).toBe('"already quoted" phrase');
    expect(logFilterToParams(filterFromArgv(["connection refused"]))).toEqual({ q: '"connection refused"' });
  });

  it("leaves the table filter's plain text as it was (TUI tables match it as a substring)", () => {
    expect(parseFilterWords('host:web-1 "connection refused" x', ["host"])).toMatchObject({
      fields: { host: "web-1" },
      text: "connection refused x",
    });
  });

  it("measures edit distance as Levenshtein does, a swap of neighbours counting one", () => {
    expect(editDistance("contaner", "container")).toBe(1);
    expect(editDistance("hots", "host")).toBe(1);
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});
