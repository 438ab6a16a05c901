// The labels `| json` and `| logfmt` add to a line's stream (aggregator/query/logql-extract.ts).
// The json cases are Loki's own: Test_jsonParser_Parse in grafana/loki pkg/logql/log/parser_test.go
// (inputs and expected labels as that test has them; found with the library's code search).
import { describe, expect, it } from "vitest";
import { extractedLabels, labelName } from "../../aggregator/query/logql-extract.ts";

describe("| json labels, as Loki's parser test expects them", () => {
  it.each([
    [
      "multi depth",
      '{"app":"foo","namespace":"prod","pod":{"uuid":"foo","deployment":{"ref":"foobar"}}}',
      {},
      { app: "foo", namespace: "prod", pod_uuid: "foo", pod_deployment_ref: "foobar" },
    ],
    [
      "multi depth with duplicates",
      '{"app":"bar","namespace":"prod","pod":{"uuid":"bar","deployment":{"ref":"foobar"}}}',
      { app: "foo", pod_uuid: "foo" },
      { app_extracted: "bar", namespace: "prod", pod_uuid_extracted: "bar", pod_deployment_ref: "foobar" },
    ],
    ["numeric", '{"counter":1, "price": {"_net_":5.56909}}', {}, { counter: "1", price__net_: "5.56909" }],
    ["skip arrays", '{"counter":1, "price": {"net_":["10","20"]}}', {}, { counter: "1" }],
    ["bad key replaced", '{"cou-nter":1}', {}, { cou_nter: "1" }],
    ["whitespace key value", '{" ": {"foo":"bar"}}', {}, { foo: "bar" }],
    ["errors", "{n}", {}, { __error__: "JSONParserErr" }],
  ])("%s", (_name, line, stream, want) => {
    expect(extractedLabels(line, "json", stream)).toEqual(want);
  });

  it("bounds what a hostile line can add: 64 labels, 8 levels", () => {
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])));
    expect(Object.keys(extractedLabels(wide, "json", {}))).toHaveLength(64);
    let deep: unknown = { leaf: "x" };
    for (let i = 0; i < 50; i++) deep = { d: deep };
    expect(extractedLabels(JSON.stringify(deep), "json", {})).toEqual({});
  });
});

describe("| logfmt labels", () => {
  it('takes key=value and key="quoted value", unescaped, renaming stream clashes', () => {
    expect(
      extractedLabels('ts=2 level=error msg="db \\"down\\", retrying" status=503 caller=a.go:81', "logfmt", {
        level: "error",
      }),
    ).toEqual({
      ts: "2",
      level_extracted: "error",
      msg: 'db "down", retrying',
      status: "503",
      caller: "a.go:81",
    });
  });

  it("makes keys label names", () => {
    expect(labelName("http.status")).toBe("http_status");
    expect(labelName("2xx")).toBe("_2xx");
    expect(labelName("a\u{1F600}b")).toBe("a_b");
  });
});
