#!/usr/bin/env python3
"""mkexec.py - a minimal client of the minik8s exec protocol (tests only).

usage: mkexec.py URL [--token T] [--stdin] -- COMMAND...
URL is http://HOST:PORT/exec/NS/POD/CONTAINER (a kubelet) or an API server's
pods/NAME/exec URL. Our stdin is sent as channel 0 (then an empty frame for
EOF); channels 1 and 2 go to stdout and stderr; exits with channel 3's code.
"""
import os
import select
import socket
import struct
import sys
import urllib.parse


def main():
    args = sys.argv[1:]
    url = args.pop(0)
    token, want_stdin = None, False
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--token":
            token = args.pop(0)
        elif a == "--stdin":
            want_stdin = True
    args = args[1:]
    u = urllib.parse.urlsplit(url)
    q = [("command", c) for c in args] + [("stdin", "true" if want_stdin else "false"), ("tty", "false")]
    path = u.path + "?" + (u.query + "&" if u.query else "") + urllib.parse.urlencode(q)
    s = socket.create_connection((u.hostname, u.port or 80))
    hdr = f"POST {path} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: Upgrade\r\nUpgrade: minik8s-exec.v1\r\nContent-Length: 0\r\n"
    if token:
        hdr += f"Authorization: Bearer {token}\r\n"
    s.sendall((hdr + "\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            sys.stderr.write("connection closed before the upgrade\n")
            return 1
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    status = head.split(b"\r\n")[0]
    if b" 101 " not in status + b" ":
        sys.stderr.write(head.decode(errors="replace") + "\n" + buf.decode(errors="replace"))
        return 1
    stdin_open = want_stdin
    while True:
        while len(buf) >= 5:
            ch, n = struct.unpack(">BI", buf[:5])
            if len(buf) < 5 + n:
                break
            payload, buf = buf[5:5 + n], buf[5 + n:]
            if ch == 1:
                sys.stdout.buffer.write(payload)
                sys.stdout.flush()
            elif ch == 2:
                sys.stderr.buffer.write(payload)
                sys.stderr.flush()
            elif ch == 3:
                return int(payload.decode() or "1")
        rl = [s] + ([sys.stdin] if stdin_open else [])
        r, _, _ = select.select(rl, [], [])
        if sys.stdin in r:
            d = os.read(sys.stdin.fileno(), 65536)
            s.sendall(struct.pack(">BI", 0, len(d)) + d)
            if not d:
                stdin_open = False
        if s in r:
            d = s.recv(65536)
            if not d:
                sys.stderr.write("connection closed without an exit code\n")
                return 1
            buf += d


if __name__ == "__main__":
    sys.exit(main())
