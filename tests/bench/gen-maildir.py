#!/usr/bin/env python3
"""gen-maildir.py - write a large, realistic Maildir for Petrel's benchmarks.

Usage: gen-maildir.py [-n COUNT] [--seed N] DEST

Writes COUNT messages (default 100,000) into DEST/{cur,new,tmp}.  The same
seed and count always give the same files.  What is in them, on purpose:

  * sizes: most messages 2-50 KB (plain text, text+HTML alternatives,
    small attachments), about 1 in 200 with a 300 KB - 2 MB attachment;
  * headers as delivered: Return-Path, 2-4 Received hops, DKIM signatures,
    List-Id and friends on about 40%, realistic To/Cc lists (a few with
    dozens of recipients), Dates spread over ten years;
  * threads: about 45% are replies, with In-Reply-To and References;
  * display names and subjects in many scripts as RFC 2047 words (B and Q)
    in UTF-8, ISO-8859-1/-15, windows-1252, KOI8-R, ISO-2022-JP,
    Shift_JIS, GB2312, Big5, EUC-KR, and text parts in those charsets
    (quoted-printable, base64, 8bit, 7bit), RFC 2231 attachment names;
  * Maildir flags: most in cur/ as :2,S, some :2,RS, :2,FS, :2, (unread),
    and about 5% still in new/.

Terms the benchmark searches for are planted at known rates:
  quokkaberry       body, exactly one message in 10,007 (the rare term)
  project           body, most messages (the common term)
  from:ingrid       one sender (plus a few namesakes), about 1.5% of messages
  subject:invoice   about 10% of messages (invoices and replies to them)

Needs only the Python 3 standard library.  Prints a summary line.
"""

import argparse
import base64
import binascii
import os
import random
import sys
import time

TEN_YEARS = 10 * 365 * 86400
END = 1748736000  # 2025-06-01 00:00 UTC, fixed so output never depends on today

# ---- people -------------------------------------------------------------

# (charsets the name may be sent in, given names, family names, domains)
SCRIPTS = [
    (["utf-8", "iso-8859-1", "windows-1252"],
     ["Anna", "James", "Maria", "John", "Laura", "Peter", "Sarah", "David", "Emma", "Michael",
      "Olivia", "Daniel", "Sophie", "Thomas", "Chloé", "Zoë", "André", "Renée", "Søren", "Åsa"],
     ["Smith", "Miller", "Brown", "Wilson", "Taylor", "Dubois", "Martin", "Lefèvre", "Müller",
      "García", "Fernández", "Jørgensen", "O'Neill", "Nuñez", "Brontë"],
     ["example.com", "example.org", "mail.example.net", "corp.example"]),
    (["iso-8859-15", "iso-8859-1", "utf-8"],
     ["Jürgen", "Björn", "Käthe", "Günther", "Jörg", "Ingrid", "Sabine", "Uwe", "Heike", "Maximilian"],
     ["Weiß", "Schröder", "Müller", "Groß", "Köhler", "Bäcker", "Krüger", "Schneider"],
     ["example.de", "posteo.example", "t-online.example", "gmx.example"]),
    (["koi8-r", "utf-8"],
     ["Александр", "Ольга", "Дмитрий", "Наталья", "Сергей", "Екатерина", "Иван", "Мария"],
     ["Петров", "Смирнова", "Козлов", "Иванова", "Соколов", "Попова", "Лебедев"],
     ["yandex.example", "mail.example.ru", "rambler.example"]),
    (["iso-2022-jp", "shift_jis", "utf-8"],
     ["太郎", "花子", "一郎", "由紀", "健", "美咲", "翔太", "陽子"],
     ["山田", "佐藤", "鈴木", "田中", "高橋", "伊藤", "渡辺"],
     ["example.jp", "kaisha.example", "tokyo-dev.example"]),
    (["gb2312", "utf-8"],
     ["小明", "华", "伟", "芳", "静", "磊", "洋"],
     ["王", "李", "张", "刘", "陈", "杨", "赵"],
     ["163mail.example", "qq.example", "example.cn"]),
    (["big5", "utf-8"],
     ["美玲", "志明", "淑芬", "家豪", "怡君"],
     ["陳", "林", "黃", "張", "吳"],
     ["taipei.example", "example.tw"]),
    (["euc-kr", "utf-8"],
     ["민준", "서연", "지훈", "하은", "도윤"],
     ["김", "이", "박", "최", "정"],
     ["seoul.example", "naver.example"]),
    (["utf-8"],
     ["Ελένη", "Νίκος", "محمد", "فاطمة", "דוד", "שרה", "Nguyễn", "प्रिया", "สมชาย", "Mehmet", "Ayşe"],
     ["Παπαδοπούλου", "Αλεξίου", "العلي", "כהן", "Văn An", "रमन", "ใจดี", "Yılmaz", "Öztürk"],
     ["example.gr", "example.net", "mail.example.org"]),
]

NO_SPACE = {"太郎", "花子", "一郎", "由紀", "健", "美咲", "翔太", "陽子", "小明", "华", "伟", "芳",
            "静", "磊", "洋", "美玲", "志明", "淑芬", "家豪", "怡君", "민준", "서연", "지훈", "하은", "도윤"}

LATIN_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e",
                                "ë": "e", "ø": "o", "å": "a", "Å": "a", "ñ": "n", "í": "i",
                                "á": "a", "'": ""})


def encoded_words(text, charset, rng):
    """RFC 2047 words for text in charset (falls back to UTF-8), max 75 chars."""
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    if text.isascii():
        return text
    q = charset.startswith(("iso-8859", "windows")) or (charset == "utf-8" and rng.random() < 0.5)
    words, chunk = [], ""
    for ch in text:
        trial = chunk + ch
        raw = trial.encode(charset)
        n = 12 + len(charset) + (len(raw) * 3 if q else (len(raw) + 2) // 3 * 4 + 6)
        if chunk and n > 75:
            words.append(chunk)
            chunk = ch
        else:
            chunk = trial
    words.append(chunk)
    out = []
    for w in words:
        raw = w.encode(charset)
        if q:
            enc = "".join(chr(b) if (chr(b).isalnum() and b < 128) else ("_" if b == 32 else "=%02X" % b)
                          for b in raw)
            out.append("=?%s?Q?%s?=" % (charset, enc))
        else:
            out.append("=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode()))
    return " ".join(out)


def make_people(rng, n):
    people = []
    for k in range(n):
        cs_list, given, family, domains = SCRIPTS[0 if rng.random() < 0.45 else rng.randrange(len(SCRIPTS))]
        g, f = rng.choice(given), rng.choice(family)
        name = (f + g) if g in NO_SPACE else (g + " " + f)
        local = ("%s.%s" % (g, f)).lower().translate(LATIN_TRANSLIT)
        if not local.isascii():
            local = "user%d" % k
        addr = "%s%d@%s" % (local.replace(" ", ""), k % 97, rng.choice(domains))
        cs = rng.choice(cs_list)
        disp = encoded_words(name, cs, rng)
        if disp == name and any(c in name for c in ",.'"):
            disp = '"%s"' % name
        people.append(("%s <%s>" % (disp, addr), addr, cs))
    # the sender behind the from: query
    people[0] = ("=?iso-8859-15?Q?Ingrid_Sch=F6n?= <ingrid.schoen@example.de>", "ingrid.schoen@example.de",
                 "iso-8859-15")
    return people


# ---- text ------------------------------------------------------------------

COMMON = ("the of and to a in is it that for on with as this be are we you not have project "
          "will can at by from or but all if about release build please thanks team "
          "meeting review patch update question issue time next week").split()

SENTENCES = {
    "utf-8": "Grüße aus Köln — 你好，世界 — Привет! Emoji too: 🎉📬",
    "iso-8859-1": "Voilà, ça marche très bien. ¿Qué tal? Grüße aus Köln.",
    "iso-8859-15": "Der Preis beträgt 42 € inklusive Mehrwertsteuer. Schöne Grüße!",
    "windows-1252": "“Smart quotes” – and an en dash… plus 10 € for the café.",
    "koi8-r": "Всем привет! Спасибо за быстрый ответ, всё работает.",
    "iso-2022-jp": "お世話になっております。資料を添付いたします。",
    "shift_jis": "ご確認のほど、よろしくお願いいたします。",
    "gb2312": "大家好，附件是本周的会议记录，请查收。",
    "big5": "各位好，附件是這週的會議紀錄，請查收。",
    "euc-kr": "안녕하세요. 회의 자료를 첨부합니다. 감사합니다.",
}

SUBJECTS = [
    "Weekly sync notes", "Build failure on main", "Question about the API", "Release planning for {v}",
    "Draft agenda for {d}", "Re-scheduling our call", "Lunch on Friday?", "Your order has shipped",
    "Security advisory for {v}", "Holiday photos", "Budget review {y}", "Proposal: new storage backend",
    "Minutes of the board meeting", "Conference travel", "Server maintenance window {d}",
    "Invoice {n} for {d}", "Invoice reminder {n}", "Patch: fix race in the scheduler",
    "Résumé et prochaines étapes", "Anfrage wegen Termin am {d}", "Вопрос по проекту",
    "会議の議事録 {d}", "关于下周会议的安排", "會議紀錄 {d}", "회의 자료 공유", "Pull request #{n}: docs update",
]

LISTS = [("dev", "Project development"), ("users", "User support"), ("announce", "Announcements"),
         ("discuss", "General discussion"), ("commits", "Commit notifications"), ("board", "Board"),
         ("security", "Security"), ("i18n", "Translations"), ("ops", "Operations"), ("jobs", "Jobs")]
LIST_DOMAINS = ["lists.example.org", "lists.larkdb.example", "groups.example.net", "lists.example.com"]


def make_vocab(rng, n):
    syl = ["ka", "lo", "mi", "ter", "ban", "qu", "vel", "dor", "in", "sto", "pra", "lex", "ni", "col",
           "ra", "tion", "ment", "er", "al", "ous", "ing", "ly", "ex", "con", "re", "de"]
    words = list(COMMON)
    seen = set(words)
    while len(words) < n:
        w = "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))
        if w not in seen and w != "quokkaberry":
            seen.add(w)
            words.append(w)
    return words


def make_pool(rng, vocab, nbytes, prefix=""):
    """A long text of wrapped paragraphs; Zipf-like word frequencies."""
    weights = [1.0 / (k + 1) for k in range(len(vocab))]
    out, line, size = [], [], 0
    words = rng.choices(vocab, weights, k=nbytes // 6)
    col = 0
    for i, w in enumerate(words):
        if col + len(w) + 1 > 72:
            out.append(prefix + " ".join(line))
            size += col
            line, col = [], 0
            if rng.random() < 0.15:
                out.append(prefix.rstrip())
        line.append(w)
        col += len(w) + 1
    out.append(prefix + " ".join(line))
    return "\n".join(out) + "\n"


def slice_lines(rng, pool, n):
    start = pool.find("\n", rng.randrange(0, len(pool) - n - 1)) + 1
    end = pool.find("\n", start + n)
    return pool[start:end + 1] if end > 0 else pool[start:]


# ---- messages --------------------------------------------------------------

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def rfc_date(t, tz_min):
    tm = time.gmtime(t + tz_min * 60)
    sign = "-" if tz_min < 0 else "+"
    a = abs(tz_min)
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (DAYS[tm.tm_wday], tm.tm_mday, MONTHS[tm.tm_mon - 1],
                                                       tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec,
                                                       sign, a // 60, a % 60)


def rfc2231(name):
    enc = "".join(c if (c.isascii() and (c.isalnum() or c in "-._")) else
                  "".join("%%%02X" % b for b in c.encode()) for c in name)
    parts = [enc[i:i + 60] for i in range(0, len(enc), 60)]
    # never cut a %XX escape
    fixed, carry = [], ""
    for p in parts:
        p = carry + p
        cut = p.rfind("%")
        if cut >= 0 and cut > len(p) - 3:
            carry, p = p[cut:], p[:cut]
        else:
            carry = ""
        fixed.append(p)
    if carry:
        fixed.append(carry)
    if len(fixed) == 1:
        return "filename*=utf-8''%s" % fixed[0]
    return ";\n\t".join("filename*%d*=%s%s" % (i, "utf-8''" if i == 0 else "", p) for i, p in enumerate(fixed))


ATTACH = [("application/pdf", "report-{n}.pdf"), ("image/jpeg", "IMG_{n}.jpg"),
          ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Protokoll_März_{n}.docx"),
          ("image/png", "Bildschirmfoto_{n}.png"), ("application/zip", "logs-{n}.zip"),
          ("application/pdf", "請求書_{n}.pdf"), ("text/calendar", "invite-{n}.ics")]


def main():
    ap = argparse.ArgumentParser(description="Write a large realistic Maildir for benchmarks.")
    ap.add_argument("dest")
    ap.add_argument("-n", "--count", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.time()
    rng = random.Random(args.seed)
    vocab = make_vocab(rng, 6000)
    pool = make_pool(rng, vocab, 3 << 20)
    qpool = make_pool(rng, vocab, 1 << 20, "> ")
    qqpool = make_pool(rng, vocab, 1 << 19, "> > ")
    b64pool = base64.encodebytes(rng.randbytes(3 << 20)).decode()
    people = make_people(rng, 3000)
    sentences = {cs: s.encode(cs) for cs, s in SENTENCES.items()}
    charsets = list(SENTENCES)

    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(args.dest, sub), exist_ok=True)

    n = args.count
    step = TEN_YEARS / max(n, 1)
    recent = []          # (message-id, references, subject) of recent messages
    subj_cache = {}
    total = 0
    for i in range(n):
        r = rng.random
        t = int(END - TEN_YEARS + i * step + r() * step)
        sender = people[0] if i % 97 == 0 else people[rng.randrange(len(people))]
        tz = rng.choice((0, 60, 120, -300, -480, 540, 480, 180, 330))
        mid = "<%d.%x.%d@%s>" % (t, rng.getrandbits(40), i, sender[1].split("@")[1])
        is_list = r() < 0.4
        lst = LISTS[rng.randrange(len(LISTS))]
        ldom = LIST_DOMAINS[i % len(LIST_DOMAINS)]

        reply = bool(recent) and r() < 0.45
        if reply:
            pmid, prefs, subj = recent[rng.randrange(len(recent))]
            refs = (prefs + [pmid])[-10:]
            subject_text = subj if subj.startswith("Re: ") else "Re: " + subj
        else:
            refs = []
            tpl = "Invoice {n} for {d}" if i % 50 == 7 else rng.choice(SUBJECTS)
            subject_text = tpl.format(v="%d.%d" % (rng.randint(0, 9), rng.randint(0, 30)),
                                      d="%d-%02d-%02d" % (2015 + i * 10 // max(n, 1), rng.randint(1, 12),
                                                          rng.randint(1, 28)),
                                      y=2015 + i * 10 // max(n, 1), n=rng.randint(1000, 99999))
            if r() < 0.05:
                subject_text += " — " + " ".join(["very long subject words"] * rng.randint(3, 12))
        recent.append((mid, refs, subject_text))
        if len(recent) > 3000:
            recent.pop(0)

        h = []
        rp = "%s-bounces@%s" % (lst[0], ldom) if is_list else sender[1]
        h.append("Return-Path: <%s>\n" % rp)
        h.append("Delivered-To: robin@example.org\n")
        hops = rng.randint(2, 4)
        for k in range(hops):
            h.append("Received: from mx%d.%s (mx%d.%s [203.0.113.%d])\n\tby %s (Postfix) with ESMTPS id %X\n"
                     "\tfor <robin@example.org>; %s\n"
                     % (k, sender[1].split("@")[1], k, sender[1].split("@")[1], rng.randrange(1, 255),
                        "mx.example.org" if k == 0 else "relay%d.example.net" % k, rng.getrandbits(40),
                        rfc_date(t + (hops - k) * 3, 0)))
        if r() < 0.6:
            sig = base64.b64encode(rng.randbytes(256)).decode()
            h.append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s%d;\n"
                     "\th=from:to:cc:subject:date:message-id; bh=%s;\n\tb=%s\n"
                     % (sender[1].split("@")[1], t % 7, base64.b64encode(rng.randbytes(32)).decode(),
                        "\n\t ".join(sig[j:j + 70] for j in range(0, len(sig), 70))))
        h.append("Date: %s\n" % rfc_date(t, tz))
        h.append("From: %s\n" % sender[0])
        nto = 1 if r() < 0.7 else rng.randint(2, 5)
        h.append("To: %s\n" % ",\n ".join(people[rng.randrange(len(people))][0] for _ in range(nto)))
        if r() < 0.3:
            ncc = rng.randint(1, 8) if r() < 0.95 else rng.randint(20, 60)
            h.append("Cc: %s\n" % ",\n ".join(people[rng.randrange(len(people))][0] for _ in range(ncc)))
        key = (subject_text, sender[2])
        subj = subj_cache.get(key)
        if subj is None:
            subj = subj_cache[key] = encoded_words(subject_text, sender[2], rng)
            if len(subj_cache) > 50000:
                subj_cache.clear()
        if is_list and not reply:
            subj = "[%s] %s" % (lst[0], subj)
        h.append("Subject: %s\n" % subj)
        h.append("Message-ID: %s\n" % mid)
        if reply:
            h.append("In-Reply-To: %s\n" % refs[-1])
            h.append("References: %s\n" % "\n ".join(refs))
        if is_list:
            h.append("List-Id: %s <%s.%s>\nList-Post: <mailto:%s@%s>\n"
                     "List-Unsubscribe: <mailto:%s-leave@%s>\nPrecedence: list\n"
                     % (lst[1], lst[0], ldom, lst[0], ldom, lst[0], ldom))
        h.append("MIME-Version: 1.0\n")

        # body text: a localized sentence, maybe a quote, then prose
        cs = sender[2] if sender[2] in sentences and r() < 0.7 else rng.choice(charsets)
        size = int(rng.lognormvariate(7.5, 0.9))  # median ~1.8 KB of text
        size = max(300, min(size, 60000))
        head = [sentences[cs], b"\n\n"]
        parts = []           # ASCII, lines of at most 76: already valid quoted-printable
        if reply:
            head.append(b"On %s, someone wrote:\n" % rfc_date(t - 3600, 0).encode())
            parts.append(slice_lines(rng, qpool, size // 3).encode())
            if r() < 0.4:
                parts.append(slice_lines(rng, qqpool, size // 4).encode())
            parts.append(b"\n")
        body = slice_lines(rng, pool, size)
        if i % 10007 == 0:
            body = "The quokkaberry jam was a hit.\n" + body
        parts.append(body.encode())
        text = b"".join(head + parts)
        kind = r()
        cte = rng.choice(("quoted-printable", "base64", "8bit")) if cs != "iso-2022-jp" else "7bit"
        if cte == "quoted-printable":
            enc = binascii.b2a_qp(b"".join(head)) + b"".join(parts)
        elif cte == "base64":
            enc = base64.encodebytes(text)
        else:
            enc = text
        tpart = b"Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n\n" % (
            cs.encode(), cte.encode()) + enc

        b1 = b"=_b1_%d" % i
        b2 = b"=_b2_%d" % i
        if kind < 0.6:
            body_bytes = tpart
        else:
            # short ASCII lines without '=': valid quoted-printable as they are
            html = ("<html><body>\n<p>\n" + body.replace("\n\n", "\n</p>\n<p>\n") + "</p>\n</body></html>\n").encode()
            alt = (b"Content-Type: multipart/alternative; boundary=\"" + b2 + b"\"\n\n--" + b2 + b"\n" + tpart +
                   b"\n--" + b2 + b"\nContent-Type: text/html; charset=utf-8\n"
                   b"Content-Transfer-Encoding: quoted-printable\n\n" + html +
                   b"\n--" + b2 + b"--\n")
            if kind < 0.85:
                body_bytes = alt
            else:
                big = r() < 0.035
                asize = rng.randint(300000, 2000000) if big else rng.randint(6000, 60000)
                start = rng.randrange(0, len(b64pool) // 77 - asize // 77 - 2) * 77
                data = b64pool[start:start + (asize * 4 // 3) // 77 * 77 + 77]
                ctype, fname = ATTACH[rng.randrange(len(ATTACH))]
                fname = fname.format(n=i)
                disp = 'filename="%s"' % fname if fname.isascii() else rfc2231(fname)
                body_bytes = (b"Content-Type: multipart/mixed; boundary=\"" + b1 + b"\"\n\n"
                              b"This is a multi-part message in MIME format.\n\n--" + b1 + b"\n" + alt +
                              b"\n--" + b1 + b"\n" +
                              ("Content-Type: %s; name=\"%s\"\nContent-Disposition: attachment;\n\t%s\n"
                               "Content-Transfer-Encoding: base64\n\n" % (ctype, fname if fname.isascii()
                                                                       else encoded_words(fname, "utf-8", rng),
                                                                       disp)).encode() +
                              data.encode() + b"\n--" + b1 + b"--\n")

        msg = "".join(h).encode() + body_bytes
        total += len(msg)

        f = r()
        if f < 0.05:
            sub, info = "new", ""
        else:
            sub = "cur"
            info = ":2," + ("S" if f < 0.73 else "RS" if f < 0.85 else "FS" if f < 0.90 else
                            "FRS" if f < 0.91 else "")
        name = "%d.M%dP4242Q%d.bench,S=%d%s" % (t, i % 1000000, i, len(msg), info)
        fd = os.open(os.path.join(args.dest, sub, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        view = memoryview(msg)
        while view:
            view = view[os.write(fd, view):]
        os.close(fd)

    dt = time.time() - t0
    print("gen-maildir: %d messages, %.1f MB, %.1f s (%.0f msg/s) in %s"
          % (n, total / 1e6, dt, n / dt if dt > 0 else 0, args.dest))


if __name__ == "__main__":
    main()
