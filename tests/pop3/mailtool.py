#!/usr/bin/env python3
"""mailtool.py - test mail for the POP3 tests and benchmark.

  mailtool.py gen --maildir DIR --manifest FILE --count N [--profile P]
                  [--tag T] [--uid U --gid G]
      Write N generated messages into DIR/new (through DIR/tmp), owned by
      U:G, and append one line per message to FILE:
          MESSAGE-ID SHA256-LF SHA256-CRLF SIZE
      Profiles: small (1-4 KB), real (most 2-50 KB, one in 1,000 of
      1-3 MB: like real mail), tiny (a few hundred bytes).

  mailtool.py add --maildir DIR --manifest FILE [--uid U --gid G] FILE...
      The same for existing message files.

  mailtool.py verify --manifest FILE --archive-json FILE [--maildir DIR]
      Compare what was put on the server with the archive (the output of
      `petrel search --format json ""`) and, given DIR, with what is still
      on the server.  Prints one line:
          have A of M, duplicates D, missing X, extra E, bad-sha S, lost L
      (lost: neither in the archive nor on the server) and exits 0 only
      when every count but A is 0 and A = M.  With --allow-missing, missing
      messages still on the server are fine (an unfinished fetch).

  mailtool.py server-ids --maildir DIR
      The Message-IDs of the messages in DIR/cur and DIR/new, one a line.

  mailtool.py offsets --up FILE --down FILE --count N [--seed S]
      Cut points for a POP3 session recorded by faultproxy --dump, as
      "down:BYTES" or "up:BYTES" lines: landmarks (inside the greeting,
      during authentication, inside the UIDL listing, in the middle of a
      RETR, inside a message's final CRLF.CRLF, after a DELE, between the
      last DELE and QUIT, before and after QUIT's +OK) and the rest spread
      evenly over the session, N in all.
"""
import argparse
import hashlib
import json
import os
import random
import re
import sys
import time

WORDS = ("the of and to in is was for that on as with by at from his it an "
         "were are which this be or has had not but one all new more been "
         "mail server message fetch archive round trip latency window "
         "petrel sea bird wing storm coast harbour lighthouse tide").split()


def body_text(rng, size):
    lines = []
    n = 0
    while n < size:
        k = rng.randint(4, 12)
        line = " ".join(rng.choice(WORDS) for _ in range(k))
        r = rng.random()
        if r < 0.03:
            line = "." + line          # dot-stuffing on the wire
        elif r < 0.04:
            line = "."                 # a line that is just a dot
        elif r < 0.05:
            line = ".."
        elif r < 0.06:
            line = "From " + line      # mbox-quoting territory
        lines.append(line)
        n += len(line) + 1
    return "\n".join(lines) + "\n"


def b64_lines(rng, nbytes):
    import base64
    raw = bytes(rng.getrandbits(8) for _ in range(min(nbytes, 4096)))
    raw = (raw * (nbytes // max(1, len(raw)) + 1))[:nbytes]
    enc = base64.b64encode(raw).decode()
    return "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + "\n"


def pick_size(rng, profile, i):
    if profile == "tiny":
        return rng.randint(100, 600)
    if profile == "small":
        return rng.randint(1000, 4000)
    if i % 1000 == 500:
        return rng.randint(1 << 20, 3 << 20)
    # Most mail: 2-50 KB, smaller sizes more common (about 13 KB on
    # average, 15 KB with the big ones: 2,000 messages make some 31 MB).
    return int(2000 + (48000 * rng.random() ** 3.2))


def make_message(rng, tag, i, profile):
    size = pick_size(rng, profile, i)
    mid = "%s.%d@petrel.test" % (tag, i)
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                         time.gmtime(1700000000 + i * 97))
    head = ("Return-Path: <sender%d@example.org>\n"
            "Date: %s\n"
            "From: Sender %d <sender%d@example.org>\n"
            "To: Jane <jane@example.org>\n"
            "Subject: %s message %d\n"
            "Message-ID: <%s>\n"
            "MIME-Version: 1.0\n") % (i % 50, date, i % 50, i % 50, tag, i, mid)
    if size > 60000:
        boundary = "b-%s-%d" % (tag, i)
        text = body_text(rng, 2000)
        msg = (head + 'Content-Type: multipart/mixed; boundary="%s"\n\n' % boundary +
               "--%s\nContent-Type: text/plain; charset=us-ascii\n\n%s" % (boundary, text) +
               "--%s\nContent-Type: application/octet-stream\n"
               "Content-Disposition: attachment; filename=\"data%d.bin\"\n"
               "Content-Transfer-Encoding: base64\n\n" % (boundary, i) +
               b64_lines(rng, size * 3 // 4) + "--%s--\n" % boundary)
    else:
        msg = (head + "Content-Type: text/plain; charset=us-ascii\n\n" +
               body_text(rng, max(10, size - len(head) - 50)))
    return mid, msg.encode()


def store(args, mid, data, seq):
    lf = data.replace(b"\r\n", b"\n")
    crlf = lf.replace(b"\n", b"\r\n")
    name = "%d.M%dP%dQ%d.petrel-test" % (int(time.time()), seq, os.getpid(),
                                         random.getrandbits(32))
    tmp = os.path.join(args.maildir, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(lf)
    if args.uid is not None:
        os.chown(tmp, args.uid, args.gid)
    os.rename(tmp, os.path.join(args.maildir, "new", name))
    return "%s %s %s %d\n" % (mid, hashlib.sha256(lf).hexdigest(),
                               hashlib.sha256(crlf).hexdigest(), len(lf))


def message_id(data):
    m = re.search(rb"^Message-ID:\s*<([^>\r\n]*)>", data, re.I | re.M)
    return m.group(1).decode("latin-1") if m else "-"


def cmd_gen(args):
    rng = random.Random("%s/%d" % (args.tag, args.seed))
    out = []
    for i in range(args.count):
        mid, data = make_message(rng, args.tag, i, args.profile)
        out.append(store(args, mid, data, i))
    with open(args.manifest, "a") as f:
        f.writelines(out)


def cmd_add(args):
    out = []
    for i, path in enumerate(args.files):
        with open(path, "rb") as f:
            data = f.read()
        out.append(store(args, message_id(data), data, i))
    with open(args.manifest, "a") as f:
        f.writelines(out)


def server_ids(maildir):
    ids = []
    for sub in ("cur", "new"):
        d = os.path.join(maildir, sub)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                ids.append(message_id(f.read(65536)))
    return ids


def cmd_server_ids(args):
    for mid in server_ids(args.maildir):
        print(mid)


def cmd_verify(args):
    want = {}
    with open(args.manifest) as f:
        for line in f:
            mid, lf, crlf, _ = line.split()
            want[mid] = (lf, crlf)
    got = {}
    with open(args.archive_json) as f:
        for line in f:
            line = line.strip()
            if line:
                o = json.loads(line)
                got.setdefault(o["message_id"], []).append(o["sha256"])
    have = sum(1 for m in want if m in got)
    dups = sum(len(v) - 1 for v in got.values() if len(v) > 1)
    extra = sum(1 for m in got if m not in want)
    bad = sum(1 for m, v in got.items() if m in want and any(s not in want[m] for s in v))
    on_server = set(server_ids(args.maildir)) if args.maildir else set()
    missing_ids = [m for m in want if m not in got]
    lost = sum(1 for m in missing_ids if args.maildir and m not in on_server)
    missing = len(missing_ids)
    if args.allow_missing:
        missing = sum(1 for m in missing_ids if args.maildir and m not in on_server)
    print("have %d of %d, duplicates %d, missing %d, extra %d, bad-sha %d, lost %d"
          % (have, len(want), dups, missing, extra, bad, lost))
    ok = dups == extra == bad == lost == missing == 0 and (args.allow_missing or have == len(want))
    if not ok:
        for m in missing_ids[:5]:
            print("# missing: %s" % m, file=sys.stderr)
    return 0 if ok else 1


def cmd_offsets(args):
    up = open(args.up, "rb").read()
    down = open(args.down, "rb").read()
    rng = random.Random(args.seed)
    points = []

    def add(direction, n):
        if 0 <= n <= (len(down) if direction == "down" else len(up)):
            points.append("%s:%d" % (direction, n))

    greet = down.find(b"\r\n") + 2
    add("down", 0)
    add("down", 5)                                  # inside the greeting
    add("down", greet)                              # right after it
    m = re.search(rb"^(AUTH|USER|APOP)\b", up, re.M)
    if m:
        add("up", m.start() + 3)                    # inside the AUTH command
        add("up", m.end() + 2)
    # The UIDL listing: "+OK" then "1 <uid>" lines.
    m = re.search(rb"\r\n1 [0-9A-Fa-f]{16}\r\n", down)
    if m:
        add("down", m.start() + 5)
        add("down", m.end() + 200)
    ends = [e.start() for e in re.finditer(rb"\r\n\.\r\n", down)]
    if ends:
        for e in (ends[len(ends) // 3], ends[len(ends) // 2], ends[-1]):
            for k in (1, 2, 3, 4, 5):               # inside the final CRLF.CRLF
                add("down", e + k)
        add("down", ends[len(ends) // 4] - 777)     # in the middle of a RETR
    deles = [d.start() for d in re.finditer(rb"^DELE ", up, re.M)]
    quit_at = up.rfind(b"QUIT\r\n")
    if deles:
        add("up", deles[0] + 7)                     # after the first DELE went out
        add("up", deles[len(deles) // 2])
    if quit_at >= 0:
        add("up", quit_at)                          # between the last DELE and QUIT
        add("up", quit_at + 6)                      # after QUIT
    last = down.rfind(b"+OK", 0, len(down))
    if last > 0:
        add("down", last)                           # before QUIT's +OK
        add("down", last + 2)
    add("down", len(down))                          # after QUIT's +OK
    seen = []
    for p in points:
        if p not in seen:
            seen.append(p)
    need = args.count - len(seen)
    if need < 0:
        seen = rng.sample(seen, args.count)
    else:
        span = len(down) - greet
        for i in range(need):
            seen.append("down:%d" % (greet + (i + 1) * span // (need + 1) + rng.randint(-50, 50)))
    for p in seen:
        print(p)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    a = sub.add_parser("add")
    for s in (g, a):
        s.add_argument("--maildir", required=True)
        s.add_argument("--manifest", required=True)
        s.add_argument("--uid", type=int)
        s.add_argument("--gid", type=int)
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--profile", choices=["tiny", "small", "real"], default="real")
    g.add_argument("--tag", default="m")
    g.add_argument("--seed", type=int, default=1)
    a.add_argument("files", nargs="+")
    v = sub.add_parser("verify")
    v.add_argument("--manifest", required=True)
    v.add_argument("--archive-json", required=True)
    v.add_argument("--maildir")
    v.add_argument("--allow-missing", action="store_true")
    s = sub.add_parser("server-ids")
    s.add_argument("--maildir", required=True)
    o = sub.add_parser("offsets")
    o.add_argument("--up", required=True)
    o.add_argument("--down", required=True)
    o.add_argument("--count", type=int, required=True)
    o.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    return {"gen": cmd_gen, "add": cmd_add, "verify": cmd_verify,
            "server-ids": cmd_server_ids, "offsets": cmd_offsets}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main() or 0)
