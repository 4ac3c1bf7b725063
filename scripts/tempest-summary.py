#!/usr/bin/python3
"""Summarise a Tempest (stestr) subunit v2 stream: one line per failed test with a short reason,
the skips grouped by reason, and the totals. Used by scripts/tempest-scenario.sh.

  tempest-summary.py RESULTS.subunit [--skips]
Last line: `run N, passed N, skipped N, failed N`. Exit status 0.
Runs on Debian's /usr/bin/python3 (python3-subunit and python3-testtools come with tempest).
"""
import collections
import re
import sys

import subunit
import testtools


def short_id(test_id):
    test_id = re.sub(r"\[.*\]$", "", test_id)  # the [id-...,smoke] attributes
    return test_id.replace("tempest.api.image.", "")


def reason_of(details):
    """The exception line(s) at the end of a traceback, shortened."""
    text = ""
    for key in ("traceback", "reason"):
        if key in details:
            try:
                text = details[key].as_text()
            except Exception:  # pragma: no cover - binary details
                text = ""
            break
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    start = None
    for i in range(len(lines) - 1, -1, -1):  # the last line that starts an exception message
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Mismatch\w*|Failure|Timeout\w*|"
                    r"NotFound|Forbidden|BadRequest|Conflict|Unauthorized|Invalid\w*|"
                    r"OverLimit|ServerFault|UnexpectedResponseCode|\w+Exception)\b.*", lines[i]) \
                and not lines[i].startswith(" "):
            start = i
            break
    tail = lines[start:] if start is not None else lines[-3:]
    out = " | ".join(ln.strip() for ln in tail)
    return out if len(out) <= 600 else out[:597] + "..."


def main():
    path = sys.argv[1]
    show_skips = "--skips" in sys.argv[2:]
    tests = []
    with open(path, "rb") as f:
        stream = subunit.ByteStreamToStreamResult(f, non_subunit_name="stdout")
        result = testtools.StreamToDict(tests.append)
        result.startTestRun()
        try:
            stream.run(result)
        finally:
            result.stopTestRun()
    tests = [t for t in tests if t["status"] not in ("exists", "inprogress", None)]
    passed = [t for t in tests if t["status"] in ("success", "xfail")]
    failed = [t for t in tests if t["status"] in ("fail", "uxsuccess")]
    skipped = [t for t in tests if t["status"] == "skip"]

    if failed:
        print("failures:")
        for t in sorted(failed, key=lambda t: t["id"]):
            print("  FAIL %s" % short_id(t["id"]))
            print("       %s" % reason_of(t["details"]))
    if skipped:
        by_reason = collections.defaultdict(list)
        for t in skipped:
            by_reason[reason_of(t["details"])[:160]].append(short_id(t["id"]))
        print("skips (%d), by reason:" % len(skipped))
        for reason, ids in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
            print("  %3d  %s" % (len(ids), reason))
            if show_skips:
                for i in sorted(ids):
                    print("         %s" % i)
    print("")
    print("  %-8s %-8s %-8s %-8s" % ("run", "passed", "skipped", "failed"))
    print("  %-8d %-8d %-8d %-8d" % (len(tests), len(passed), len(skipped), len(failed)))
    print("run %d, passed %d, skipped %d, failed %d" % (len(tests), len(passed), len(skipped), len(failed)))


if __name__ == "__main__":
    main()
