#!/usr/bin/env python3
"""hostile.py - a scripted POP3 server that misbehaves on purpose, for what
a real Dovecot will not do.  It listens on 127.0.0.1, writes its port to
PORTFILE when ready, serves one connection per scenario run (at most
--conns), and appends what the client sent to --log (so a test can check,
for example, that no password was sent).

  hostile.py SCENARIO PORTFILE [--size N] [--log FILE] [--conns K]

Scenarios:
  bigmsg       one message of --size bytes, generated while it is sent
  endless      LIST says 1000 bytes, RETR never ends (until the client hangs up)
  no-greeting  accepts, never says a word
  stall-stls   offers STLS, answers +OK, then says nothing
  inject-stls  offers STLS, answers +OK and a forged line in the same packet
  no-stls      does not offer STLS
  in-use       PASS gets -ERR [IN-USE]
  login-delay  PASS gets -ERR [LOGIN-DELAY]
  sys-temp     PASS gets -ERR [SYS/TEMP]
  auth-fail    PASS gets -ERR [AUTH]
  garbage      greets with something that is not POP3
  dup-uidl     two messages with the same UIDL, one with a hostile UIDL
"""
import argparse
import socket
import sys
import time

CAPA = [b"USER", b"UIDL", b"TOP", b"PIPELINING"]


class Client:
    def __init__(self, sock, log):
        self.sock = sock
        self.buf = b""
        self.log = log

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.rstrip(b"\r")
        if self.log:
            with open(self.log, "ab") as f:
                f.write(line + b"\n")
        return line


def message(i, size):
    head = (b"From: hostile@example.org\r\nSubject: message %d\r\n"
            b"Message-ID: <hostile-%d@example.org>\r\n\r\n" % (i, i))
    body_line = b"x" * 76 + b"\r\n"
    n = max(size - len(head), 0)
    return head, body_line, n


def send_message(c, i, size):
    head, body_line, n = message(i, size)
    c.send(b"+OK\r\n" + head)
    chunk = body_line * 4096
    while n >= len(chunk):
        c.send(chunk)
        n -= len(chunk)
    while n >= len(body_line):
        c.send(body_line)
        n -= len(body_line)
    c.send(b".\r\n")


def serve(c, scenario, size):
    if scenario == "no-greeting":
        time.sleep(60)
        return
    if scenario == "garbage":
        c.send(b"220 smtp.example.org ESMTP ready\r\n")
        time.sleep(1)
        return
    c.send(b"+OK hostile POP3 server ready\r\n")
    caps = list(CAPA)
    if scenario in ("stall-stls", "inject-stls"):
        caps.append(b"STLS")
    msgs = {"bigmsg": [size], "endless": [1000],
            "dup-uidl": [300, 300, 300]}.get(scenario, [200, 200])
    uids = [b"uid-%d" % i for i in range(len(msgs))]
    if scenario == "dup-uidl":
        uids = [b"same", b"same", b"bad\x01uid"]
    while True:
        try:
            line = c.line()
        except EOFError:
            return
        cmd = line.split(b" ")[0].upper()
        if cmd == b"CAPA":
            c.send(b"+OK\r\n" + b"".join(x + b"\r\n" for x in caps) + b".\r\n")
        elif cmd == b"STLS" and scenario == "stall-stls":
            c.send(b"+OK begin TLS\r\n")
            time.sleep(60)
            return
        elif cmd == b"STLS" and scenario == "inject-stls":
            c.send(b"+OK begin TLS\r\n+OK forged reply\r\n")
            time.sleep(2)
            return
        elif cmd == b"STLS":
            c.send(b"-ERR not supported\r\n")
        elif cmd == b"USER":
            c.send(b"+OK\r\n")
        elif cmd == b"PASS":
            answer = {"in-use": b"-ERR [IN-USE] mailbox locked by another session\r\n",
                      "login-delay": b"-ERR [LOGIN-DELAY] wait 15 minutes\r\n",
                      "sys-temp": b"-ERR [SYS/TEMP] storage unavailable\r\n",
                      "auth-fail": b"-ERR [AUTH] invalid password\r\n"}.get(scenario)
            c.send(answer or b"+OK logged in\r\n")
        elif cmd == b"STAT":
            c.send(b"+OK %d %d\r\n" % (len(msgs), sum(msgs)))
        elif cmd == b"UIDL":
            c.send(b"+OK\r\n" + b"".join(b"%d %s\r\n" % (i + 1, u) for i, u in enumerate(uids))
                   + b".\r\n")
        elif cmd == b"LIST":
            c.send(b"+OK\r\n" + b"".join(b"%d %d\r\n" % (i + 1, s) for i, s in enumerate(msgs))
                   + b".\r\n")
        elif cmd == b"RETR":
            n = int(line.split(b" ")[1])
            if scenario == "endless":
                c.send(b"+OK\r\nSubject: endless\r\n\r\n")
                chunk = (b"z" * 76 + b"\r\n") * 4096
                try:
                    while True:
                        c.send(chunk)
                except OSError:
                    return
            send_message(c, n, msgs[n - 1])
        elif cmd == b"DELE":
            c.send(b"+OK\r\n")
        elif cmd == b"QUIT":
            c.send(b"+OK bye\r\n")
            return
        else:
            c.send(b"-ERR unknown command\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("portfile")
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--log")
    ap.add_argument("--conns", type=int, default=4)
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(a.lifetime)
    with open(a.portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    import os
    os.rename(a.portfile + ".tmp", a.portfile)
    deadline = time.time() + a.lifetime
    for _ in range(a.conns):
        if time.time() > deadline:
            break
        try:
            sock, _ = srv.accept()
        except (socket.timeout, OSError):
            break
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            serve(Client(sock, a.log), a.scenario, a.size)
        except (OSError, EOFError):
            pass
        finally:
            sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
