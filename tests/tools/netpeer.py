#!/usr/bin/env python3
"""netpeer.py - small TCP servers and clients for testing faultproxy.

Servers listen on 127.0.0.1, write their port to PORTFILE once ready, serve
connections one after another and exit after --conns connections or
--lifetime seconds, whichever comes first:

  netpeer.py serve echo   PORTFILE   send back what arrives
  netpeer.py serve source PORTFILE N send N pattern bytes and the end,
                                     then wait for the client's end
  netpeer.py serve sink   PORTFILE   read to EOF; append to --report one
                                     line per connection: BYTES FIRSTLINE

Clients (every wait bounded by --idle seconds without progress):

  netpeer.py read   PORT          read to the end; print "BYTES HOW"
                                  (HOW: eof, reset or idle)
  netpeer.py send   PORT N        send N bytes, half-close, read to the end;
                                  print "SENT HOW"
  netpeer.py pingpong PORT K GAP  send K lines of 1000 bytes GAP seconds
                                  apart without waiting, read the K echoes;
                                  print "SECONDS_TOTAL SECONDS_FIRST"
"""
import argparse
import os
import socket
import sys
import time


def pattern(n):
    block = bytes(range(256)) * 256
    out = bytearray()
    while len(out) < n:
        out += block[: n - len(out)]
    return bytes(out)


def serve(args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    tmp = args.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, args.portfile)
    deadline = time.monotonic() + args.lifetime
    for _ in range(args.conns):
        left = deadline - time.monotonic()
        if left <= 0:
            return
        ls.settimeout(left)
        try:
            s, _ = ls.accept()
        except socket.timeout:
            return
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            handle(args, s)
        except (OSError, socket.timeout):
            pass
        finally:
            s.close()


def handle(args, s):
    if args.mode == "echo":
        while True:
            b = s.recv(65536)
            if not b:
                return
            s.sendall(b)
    elif args.mode == "source":
        s.sendall(pattern(args.n))
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    elif args.mode == "sink":
        total = 0
        first = b""
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            if total < 200:
                first += b[: 200 - total]
            total += len(b)
        line = first.split(b"\r\n")[0].split(b"\n")[0]
        with open(args.report, "a") as f:
            f.write("%d %s\n" % (total, line.decode("latin-1")))


def connect(port, idle):
    s = socket.create_connection(("127.0.0.1", port), timeout=idle)
    s.settimeout(idle)
    return s


def read_all(s):
    total = 0
    data = bytearray()
    how = "eof"
    try:
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            total += len(b)
            data += b
    except socket.timeout:
        how = "idle"
    except ConnectionResetError:
        how = "reset"
    return total, how, bytes(data)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--lifetime", type=float, default=60)
    p.add_argument("--idle", type=float, default=5)
    p.add_argument("--report", default="/dev/null")
    sub = p.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve")
    sv.add_argument("mode", choices=["echo", "source", "sink"])
    sv.add_argument("portfile")
    sv.add_argument("n", type=int, nargs="?", default=0)
    rd = sub.add_parser("read")
    rd.add_argument("port", type=int)
    rd.add_argument("--check", type=int, default=0,
                    help="also check the bytes are the first N pattern bytes")
    sd = sub.add_parser("send")
    sd.add_argument("port", type=int)
    sd.add_argument("n", type=int)
    pp = sub.add_parser("pingpong")
    pp.add_argument("port", type=int)
    pp.add_argument("k", type=int)
    pp.add_argument("gap", type=float)
    args = p.parse_args()

    if args.cmd == "serve":
        serve(args)
    elif args.cmd == "read":
        s = connect(args.port, args.idle)
        total, how, data = read_all(s)
        if args.check and data != pattern(total):
            how += "-corrupt"
        print(total, how)
    elif args.cmd == "send":
        s = connect(args.port, args.idle)
        sent = 0
        how = "eof"
        try:
            buf = pattern(args.n)
            while sent < args.n:
                sent += s.send(buf[sent:sent + 65536])
            s.shutdown(socket.SHUT_WR)
            _, how, _ = read_all(s)
        except (BrokenPipeError, ConnectionResetError):
            how = "reset"
        except socket.timeout:
            how = "idle"
        print(sent, how)
    elif args.cmd == "pingpong":
        s = connect(args.port, args.idle)
        line = b"x" * 999 + b"\n"
        t0 = time.monotonic()
        first = None
        got = 0
        s.setblocking(False)
        sent = 0
        next_send = t0
        deadline = t0 + args.idle + args.k * args.gap
        while got < args.k * len(line) and time.monotonic() < deadline:
            now = time.monotonic()
            if sent < args.k and now >= next_send:
                s.setblocking(True)
                s.sendall(line)
                s.setblocking(False)
                sent += 1
                next_send = now + args.gap
            try:
                b = s.recv(65536)
                if not b:
                    break
                if first is None:
                    first = time.monotonic() - t0
                got += len(b)
            except BlockingIOError:
                time.sleep(0.002)
        total = time.monotonic() - t0
        print("%.3f %.3f" % (total, first if first is not None else -1))


if __name__ == "__main__":
    sys.exit(main())
