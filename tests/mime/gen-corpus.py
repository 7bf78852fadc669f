#!/usr/bin/env python3
"""gen-corpus.py - a corpus of varied mail for Petrel's MIME test, with
what Python's own email package (an independent MIME implementation)
decodes from each message.

Usage: gen-corpus.py OUTDIR [COUNT] [SEED]

Writes OUTDIR/NNNNN.eml and OUTDIR/expected.jsonl, one JSON object per
message:
  file, category, wellformed (bool),
  subject, from_name, from_addr, date (Unix time),
  body     - the text a reader sees (see below), as Python decodes it,
  compare  - how to compare bodies: "exact" (line ends and the final
             white space normalised), "words" (the sequence of words, for
             HTML rendered to text) or "space" (white space runs
             collapsed, for several text parts joined),
  attachments - file names of every part that has one, in document order.

For well-formed categories everything comes from Python's parser
(email.message_from_bytes with policy.default).  For each malformed
category the expectation is Petrel's documented behaviour, computed here
from what the generator put in (see MALFORMED below), because Python
decodes those messages differently (or not at all).

The seed is fixed, so the corpus is the same on every run.
"""

import email
import email.policy
import email.utils
import html.parser
import json
import os
import random
import sys
from email.message import EmailMessage

WORDS = ("the quick brown fox jumps over lazy dog archive petrel storm "
         "mail reader terminal offline fetch thread search flaky link "
         "message charset boundary attachment paragraph quoted reply").split()

# Text samples per charset: only characters the charset can encode.
SAMPLES = {
    "us-ascii": "plain words only",
    "utf-8": "caf\u00e9 \u00fcber na\u00efve \u20ac \u65e5\u672c\u8a9e \u0416\u0443\u043a \U0001f600",
    "iso-8859-1": "caf\u00e9 d\u00e9j\u00e0 vu \u00fcber Stra\u00dfe \u00bd",
    "iso-8859-2": "\u017elu\u0165ou\u010dk\u00fd k\u016f\u0148 \u0141\u00f3d\u017a",
    "iso-8859-15": "\u20ac \u0153uvre \u0160",
    "windows-1252": "\u201cquoted\u201d \u2014 dash \u2026 \u20ac",
    "windows-1251": "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440",
    "koi8-r": "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440",
    "shift_jis": "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "euc-jp": "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "iso-2022-jp": "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "gb2312": "\u4e2d\u6587\u90ae\u4ef6",
    "big5": "\u4e2d\u6587\u90f5\u4ef6",
    "euc-kr": "\ud55c\uad6d\uc5b4 \uba54\uc77c",
    "utf-16": "utf-16 \u00e9\u4e2d",
}

NAMES = ["report.pdf", "r\u00e9sum\u00e9.pdf", "\u65e5\u672c\u8a9e.txt",
         "photo 2024-01-15.jpg", "a very long attachment name that needs "
         "rfc 2231 continuation lines to fit in a header.tar.gz",
         "\u20ac rates.xls", "notes.txt", "\u041e\u0442\u0447\u0451\u0442.docx",
         "quote\"d.bin", "semi;colon.dat"]

PEOPLE = [("Alice Example", "alice@example.org"),
          ("J\u00f6rg M\u00fcller", "joerg@example.de"),
          ("\u5f20\u4f1f", "zhang@example.cn"),
          ("O'Brien, Pat", "pat@example.ie"),
          ("", "bare@example.com")]


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def paragraph_text(rng, extra=""):
    lines = []
    for _ in range(rng.randint(1, 6)):
        lines.append(words(rng, rng.randint(1, 12)))
    if extra:
        lines.insert(rng.randint(0, len(lines)), extra)
    if rng.random() < 0.2:
        lines.append("> " + words(rng, 5))
    if rng.random() < 0.2:
        lines.append("-- \nsignature " + words(rng, 2))
    return "\n".join(lines) + "\n"


def base_headers(rng, msg, subject_charset=None):
    name, addr = rng.choice(PEOPLE)
    msg["From"] = email.utils.formataddr((name, addr)) if name else addr
    msg["To"] = "bob@example.net"
    subj = words(rng, rng.randint(1, 8))
    if subject_charset or rng.random() < 0.4:
        subj += " " + SAMPLES["utf-8"]
    msg["Subject"] = subj
    t = 946684800 + rng.randint(0, 800000000)
    msg["Date"] = email.utils.formatdate(t, localtime=False)
    msg["Message-ID"] = "<%d.%d@gen.example>" % (t, rng.randint(0, 1 << 30))


def charset_text(rng, charset):
    return words(rng, 4) + " " + SAMPLES[charset] + "\n" + paragraph_text(rng)


# ---- well-formed categories ----

def cat_plain(rng):
    msg = EmailMessage()
    base_headers(rng, msg)
    charset = rng.choice(list(SAMPLES))
    if charset == "utf-16":
        charset = "utf-8"
    cte = rng.choice(["7bit", "8bit", "quoted-printable", "base64"])
    text = charset_text(rng, charset) if charset != "us-ascii" else paragraph_text(rng)
    if charset == "us-ascii":
        cte = rng.choice(["7bit", "quoted-printable", "base64"])
    elif charset in ("iso-2022-jp",):
        cte = rng.choice(["7bit", "base64"])
    elif cte == "7bit":
        cte = "8bit"
    msg.set_content(text, charset=charset, cte=cte)
    return msg


def cat_flowed(rng):
    """format=flowed, some paragraphs quoted, with and without DelSp; the
    expectation is RFC 3676 read by reflow_expected (Python's email
    package does not reflow)."""
    msg = EmailMessage()
    base_headers(rng, msg)
    delsp = rng.random() < 0.5
    lines = []
    for _ in range(rng.randint(1, 4)):
        prefix = "> " if rng.random() < 0.3 else ""
        ws = [rng.choice(WORDS) for _ in range(rng.randint(5, 40))]
        chunks, cur = [], []
        for w in ws:
            cur.append(w)
            if len(" ".join(cur)) > 30:
                chunks.append(cur)
                cur = []
        if cur:
            chunks.append(cur)
        for i, ch in enumerate(chunks):
            soft = " " if i < len(chunks) - 1 else ""
            lines.append(prefix + " ".join(ch) + soft)
    body = "\n".join(lines) + "\n"
    msg.set_content(body, charset="utf-8", cte="8bit")
    msg.replace_header("Content-Type", 'text/plain; charset="utf-8"; format=flowed' +
                       ("; delsp=yes" if delsp else ""))
    return msg, reflow_expected(body, delsp)


def reflow_expected(body, delsp):
    """RFC 3676 reading, done independently of Petrel's code."""
    out = []
    cur = None
    cur_depth = None
    for raw in body.split("\n")[:-1]:
        depth = len(raw) - len(raw.lstrip(">"))
        line = raw[depth:]
        if line.startswith(" "):
            line = line[1:]
        flowed = line.endswith(" ") and line != "-- "
        if cur is not None and depth != cur_depth:
            out.append(cur)
            cur = None
        if flowed and delsp:
            line = line[:-1]
        if cur is None:
            cur = "> " * depth + line
            cur_depth = depth
        else:
            cur += line
        if not flowed:
            out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return "\n".join(out) + "\n"


def add_attachments(rng, msg, k):
    for _ in range(k):
        name = rng.choice(NAMES)
        kind = rng.random()
        if kind < 0.5:
            data = rng.randbytes(rng.randint(0, 3000))
            msg.add_attachment(data, maintype="application",
                               subtype=rng.choice(["pdf", "octet-stream", "zip"]),
                               filename=name)
        elif kind < 0.75:
            data = rng.randbytes(rng.randint(10, 500))
            msg.add_attachment(data, maintype="image", subtype="png", filename=name)
        else:
            msg.add_attachment(paragraph_text(rng), subtype="plain", filename=name)


def cat_mixed(rng):
    msg = cat_plain(rng)
    add_attachments(rng, msg, rng.randint(1, 4))
    return msg


def html_of(text, rng):
    parts = []
    for line in text.rstrip("\n").split("\n"):
        esc = (line.replace("&", "&amp;").replace("<", "&lt;")
               .replace(">", "&gt;"))
        r = rng.random()
        if r < 0.2:
            parts.append("<p><b>%s</b></p>" % esc)
        elif r < 0.4:
            parts.append("<ul><li>%s</li></ul>" % esc)
        elif r < 0.5:
            parts.append('<p><a href="https://example.org/%d">%s</a></p>'
                         % (rng.randint(0, 99), esc))
        elif r < 0.6:
            parts.append("<blockquote>%s</blockquote>" % esc)
        else:
            parts.append("<div>%s</div>" % esc)
    style = "<style>p { color: red }</style>" if rng.random() < 0.5 else ""
    return ("<html><head><title>ignored title</title>%s</head><body>%s"
            "<script>var x = 1;</script></body></html>\n" % (style, "".join(parts)))


def cat_alternative(rng):
    msg = EmailMessage()
    base_headers(rng, msg)
    text = charset_text(rng, "utf-8")
    msg.set_content(text, charset="utf-8",
                    cte=rng.choice(["8bit", "quoted-printable", "base64"]))
    msg.add_alternative(html_of(text, rng), subtype="html")
    if rng.random() < 0.5:
        add_attachments(rng, msg, rng.randint(1, 2))
    return msg


def cat_html_only(rng):
    msg = EmailMessage()
    base_headers(rng, msg)
    text = charset_text(rng, "utf-8")
    msg.set_content(html_of(text, rng), subtype="html",
                    cte=rng.choice(["8bit", "quoted-printable", "base64"]))
    return msg


def cat_nested(rng):
    inner = cat_mixed(rng) if rng.random() < 0.5 else cat_plain(rng)
    msg = cat_plain(rng)
    if rng.random() < 0.5:
        add_attachments(rng, msg, 1)
    msg.add_attachment(inner)
    return msg


def cat_related(rng):
    msg = EmailMessage()
    base_headers(rng, msg)
    text = charset_text(rng, "utf-8")
    msg.set_content(text)
    msg.add_alternative(html_of(text, rng) .replace(
        "</body>", '<img src="cid:logo@x" alt="logo"></body>'), subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(bytes(range(200)), maintype="image", subtype="png",
                          cid="<logo@x>", filename="logo.png")
    return msg


def cat_prefix_boundary(rng):
    """An alternative inside a mixed whose boundary extends the outer one
    ("Pz" and "Pz_x"): legal, and a classic parser bug."""
    msg = EmailMessage()
    base_headers(rng, msg)
    text = charset_text(rng, "utf-8")
    msg.set_content(text)
    msg.add_alternative(html_of(text, rng), subtype="html")
    add_attachments(rng, msg, 1)
    raw = msg.as_bytes(policy=email.policy.default)
    outer = msg.get_boundary().encode()
    inner = msg.get_payload()[0].get_boundary().encode()
    raw = raw.replace(outer, b"Pz").replace(inner, b"Pz_x")
    return email.message_from_bytes(raw, policy=email.policy.default)


WELLFORMED = [
    ("plain", cat_plain, 6),
    ("flowed", cat_flowed, 2),
    ("mixed", cat_mixed, 4),
    ("alternative", cat_alternative, 3),
    ("html-only", cat_html_only, 2),
    ("nested-message", cat_nested, 2),
    ("related", cat_related, 1),
    ("prefix-boundary", cat_prefix_boundary, 1),
]

# ---- malformed categories: raw bytes and Petrel's documented result ----


def hdr(rng, extra):
    t = 946684800 + rng.randint(0, 800000000)
    return ("From: Alice <alice@example.org>\nTo: bob@example.net\n"
            "Subject: %s\nDate: %s\nMIME-Version: 1.0\n%s"
            % (words(rng, 3), email.utils.formatdate(t), extra))


def mal_missing_close(rng):
    """No close delimiter: the last part runs to the end of the message
    (Python agrees)."""
    text = paragraph_text(rng)
    raw = hdr(rng, "Content-Type: multipart/mixed; boundary=\"zz\"\n\n"
              "--zz\nContent-Type: text/plain; charset=utf-8\n\n%s"
              "--zz\nContent-Type: application/octet-stream\n"
              "Content-Disposition: attachment; filename=\"cut.bin\"\n\nabc\n"
              % text)
    return raw.encode(), text, ["cut.bin"], "exact"


def mal_base64_junk(rng):
    """base64 with spaces, junk characters, odd line lengths and missing
    padding: every non-alphabet byte is skipped, the text comes out."""
    import base64
    text = charset_text(rng, "utf-8")
    enc = base64.b64encode(text.encode()).decode().rstrip("=")
    noisy = []
    for i, ch in enumerate(enc):
        noisy.append(ch)
        r = rng.random()
        if r < 0.02:
            noisy.append(" ")
        elif r < 0.03:
            noisy.append("*")
        elif r < 0.05:
            noisy.append("\n")
    raw = hdr(rng, "Content-Type: text/plain; charset=utf-8\n"
              "Content-Transfer-Encoding: base64\n\n%s\n" % "".join(noisy))
    return raw.encode(), text, [], "exact"


def mal_qp_sloppy(rng):
    """Quoted-printable with lower-case hex, an '=' that starts no escape
    and trailing white space: lower-case escapes decode, a malformed
    escape stays as it is, trailing white space goes (so "=   " at a line
    end is a soft break)."""
    text = "caf\u00e9 =G1 100%end"
    raw = hdr(rng, "Content-Type: text/plain; charset=utf-8\n"
              "Content-Transfer-Encoding: quoted-printable\n\n"
              "caf=c3=a9 =G1 100%=   \nend   \n")
    return raw.encode(), text, [], "exact"


def mal_mislabel_latin1(rng):
    """iso-8859-1 label on windows-1252 bytes (curly quotes, euro): read
    as windows-1252, as real mail means it."""
    text = "\u201cquoted\u201d \u20ac 5 \u2014 " + words(rng, 3) + "\n"
    raw = hdr(rng, "Content-Type: text/plain; charset=iso-8859-1\n"
              "Content-Transfer-Encoding: 8bit\n\n").encode() + text.encode("cp1252")
    return raw, text, [], "exact"


def mal_unlabeled_utf8(rng):
    """8-bit text without a charset: valid UTF-8 is taken as UTF-8."""
    text = charset_text(rng, "utf-8")
    raw = hdr(rng, "Content-Transfer-Encoding: 8bit\n\n").encode() + text.encode()
    return raw, text, [], "exact"


def mal_gb2312_gb18030(rng):
    """gb2312 label on text with characters only GB18030 has: decoded as
    GB18030."""
    text = "\u4e2d\u6587 \u9555 \u20ac " + words(rng, 2) + "\n"
    raw = hdr(rng, "Content-Type: text/plain; charset=gb2312\n\n").encode() + \
        text.encode("gb18030")
    return raw, text, [], "exact"


def mal_uuencode(rng):
    """A uuencoded file inside plain text: cut out of the text and listed
    as an attachment."""
    import binascii
    data = rng.randbytes(rng.randint(1, 200))
    lines = [binascii.b2a_uu(data[i:i + 45], backtick=True).decode()
             for i in range(0, len(data), 45)]
    before = paragraph_text(rng)
    after = "after " + words(rng, 3) + "\n"
    raw = hdr(rng, "Content-Type: text/plain; charset=us-ascii\n\n") + before + \
        "begin 644 data.bin\n" + "".join(lines) + "`\nend\n" + after
    return raw.encode(), before + after, ["data.bin"], "exact"


def mal_invalid_type(rng):
    """Content-Type without a subtype: the part is text/plain."""
    text = paragraph_text(rng)
    raw = hdr(rng, "Content-Type: text\n\n") + text
    return raw.encode(), text, [], "exact"


def mal_no_boundary(rng):
    """multipart without a boundary parameter: the body is shown as text."""
    text = paragraph_text(rng)
    raw = hdr(rng, "Content-Type: multipart/mixed\n\n") + text
    return raw.encode(), text, [], "exact"


def mal_2047_in_quotes(rng):
    """An RFC 2047 word inside a quoted filename (not allowed by the RFC,
    sent by many clients): decoded."""
    text = paragraph_text(rng)
    raw = hdr(rng, "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n%s--b\n"
              "Content-Type: application/pdf; name=\"=?UTF-8?Q?r=C3=A9sum=C3=A9.pdf?=\"\n"
              "Content-Disposition: attachment\n\nx\n--b--\n" % text)
    return raw.encode(), text, ["r\u00e9sum\u00e9.pdf"], "exact"


def mal_raw_8bit_subject(rng):
    """An unencoded UTF-8 subject and display name: taken as UTF-8."""
    text = paragraph_text(rng)
    raw = ("From: J\u00f6rg <j@example.de>\nSubject: caf\u00e9 \u65e5\u672c\n"
           "Date: Mon, 15 Jan 2024 10:30:00 +0100\n\n" + text).encode()
    return raw, text, [], "exact", {"subject": "caf\u00e9 \u65e5\u672c",
                                    "from_name": "J\u00f6rg", "from_addr": "j@example.de",
                                    "date": 1705311000}


MALFORMED = [
    ("missing-close", mal_missing_close),
    ("base64-junk", mal_base64_junk),
    ("qp-sloppy", mal_qp_sloppy),
    ("mislabel-latin1", mal_mislabel_latin1),
    ("unlabeled-utf8", mal_unlabeled_utf8),
    ("gb2312-gb18030", mal_gb2312_gb18030),
    ("uuencode", mal_uuencode),
    ("invalid-type", mal_invalid_type),
    ("no-boundary", mal_no_boundary),
    ("2047-in-quotes", mal_2047_in_quotes),
    ("raw-8bit-header", mal_raw_8bit_subject),
]


class TextOf(html.parser.HTMLParser):
    """Python's own reading of HTML: the text outside script, style and
    title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.out = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self.skip += 1
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(" [%s] " % alt)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_text(s):
    p = TextOf()
    p.feed(s)
    p.close()
    return " ".join(p.out)


def body_text(msg):
    """What a reader sees, from Python's parse: the preferred body part
    (plain over html), then the body of each attached message."""
    texts, mode = [], "exact"
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        t = body.get_content()
        if body.get_content_type() == "text/html":
            t, mode = html_text(t), "words"
        texts.append(t)
    for part in msg.walk():
        if part.get_content_type() in ("message/rfc822", "message/global"):
            inner = part.get_payload()[0] if part.is_multipart() else part.get_payload()
            t, m = body_text(inner)
            if t:
                texts.append(t)
                mode = "space" if mode == "exact" else mode
    return "\n\n".join(texts), mode


def names_of(msg):
    return [p.get_filename() for p in msg.walk() if p.get_filename()]


def expect_from(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    addrs = msg["from"].addresses if msg["from"] is not None else ()
    date = msg["date"].datetime.timestamp() if msg["date"] is not None else 0
    body, mode = body_text(msg)
    return msg, {
        "subject": str(msg["subject"] or ""),
        "from_name": addrs[0].display_name if addrs else "",
        "from_addr": addrs[0].addr_spec if addrs else "",
        "date": int(date),
        "body": body,
        "compare": mode,
        "attachments": names_of(msg),
    }


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20240115
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    weights = [w for _, _, w in WELLFORMED]
    with open(os.path.join(out, "expected.jsonl"), "w", encoding="utf-8") as exp:
        for i in range(count):
            name = "%05d.eml" % i
            if i % 10 == 9:
                cat, fn = MALFORMED[(i // 10) % len(MALFORMED)]
                res = fn(rng)
                raw, text, atts, mode = res[:4]
                _, e = expect_from(raw)
                e.update({"body": text, "compare": mode, "attachments": atts})
                if len(res) > 4:
                    e.update(res[4])
                wellformed = False
            else:
                cat, fn, _ = rng.choices(WELLFORMED, weights)[0]
                res = fn(rng)
                flowed = None
                if isinstance(res, tuple):
                    res, flowed = res
                pol = email.policy.SMTP if rng.random() < 0.3 else email.policy.default
                raw = res.as_bytes(policy=pol)
                _, e = expect_from(raw)
                if flowed is not None:
                    e["body"] = flowed
                wellformed = True
            with open(os.path.join(out, name), "wb") as f:
                f.write(raw)
            e.update({"file": name, "category": cat, "wellformed": wellformed})
            exp.write(json.dumps(e, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
