#!/usr/bin/env python3
"""compare.py - compares Petrel's reading of the corpus (mime-dump JSON
lines) with the expectations of gen-corpus.py and prints TAP: one test
per category and field group, with the agreement rate.

Usage: compare.py EXPECTED.jsonl PETREL.jsonl

Well-formed categories must agree 100% with Python's email package;
each malformed category must match its documented behaviour (see
MALFORMED in gen-corpus.py) 100%.
"""

import collections
import json
import re
import sys


def norm_space(s):
    return re.sub(r"\s+", " ", s).strip()


def body_equal(want, got, mode):
    want = want.replace("\r\n", "\n")
    if mode == "exact":
        return want.rstrip() == got.rstrip()
    if mode == "words":
        return re.findall(r"\w+", want) == re.findall(r"\w+", got)
    return norm_space(want) == norm_space(got)


def main():
    exp = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
    got = {}
    for l in open(sys.argv[2], encoding="utf-8"):
        d = json.loads(l)
        got[d["file"]] = d
    stats = collections.OrderedDict()
    shown = collections.Counter()
    overall = collections.Counter()
    for e in exp:
        g = got.get(e["file"])
        cat = ("" if e["wellformed"] else "malformed ") + e["category"]
        checks = {
            "subject": g is not None and norm_space(e["subject"]) == norm_space(g["subject"]),
            "from": g is not None and e["from_name"] == g["from_name"]
            and e["from_addr"] == g["from_addr"],
            "date": g is not None and e["date"] == g["date"],
            "body": g is not None and body_equal(e["body"], g["body"], e["compare"]),
            "attachments": g is not None and e["attachments"] == g["attachments"],
        }
        for field, good in checks.items():
            st = stats.setdefault((cat, field), [0, 0])
            st[1] += 1
            if good:
                st[0] += 1
            key = "well-formed" if e["wellformed"] else "malformed"
            overall[(key, good)] += 1
            if not good and shown[(cat, field)] < 3:
                shown[(cat, field)] += 1
                w = {"subject": e["subject"], "from": [e["from_name"], e["from_addr"]],
                     "date": e["date"], "body": e["body"],
                     "attachments": e["attachments"]}[field]
                gv = None if g is None else {
                    "subject": g["subject"], "from": [g["from_name"], g["from_addr"]],
                    "date": g["date"], "body": g["body"],
                    "attachments": g["attachments"]}[field]
                print("# %s %s %s: want %r" % (e["file"], cat, field, w)[:600])
                print("#   got %r" % (gv,) if len(repr(gv)) < 600 else "#   got %r..." % repr(gv)[:600])
    n = 0
    for (cat, field), (good, total) in stats.items():
        n += 1
        print("%sok %d - %s %s: %d/%d agree (%.2f%%)" % (
            "" if good == total else "not ", n, cat, field, good, total,
            100.0 * good / total))
    for key in ("well-formed", "malformed"):
        good, bad = overall[(key, True)], overall[(key, False)]
        if good + bad:
            print("# %s: %d/%d field checks agree (%.2f%%)" % (
                key, good, good + bad, 100.0 * good / (good + bad)))
    print("1..%d" % n)


if __name__ == "__main__":
    main()
