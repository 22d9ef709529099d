#!/usr/bin/env python3
"""fakekubelet.py PORTFILE [TOKEN] - a stand-in kubelet port for mk-apiserver's
proxy tests (tests only; the real one is kubelet/server.c).

  GET  /containerLogs/NS/POD/CTR[?follow=true]  two lines; with follow, five
                                                 more "tick N" lines, 0.2 s apart
  POST /exec/NS/POD/CTR?command=..&stdin=..     101 Upgrade: minik8s-exec.v1, then
       stdout "cmd: COMMAND...", stdin echoed upper-cased, exit code 7 after
       stdin closes (0 at once without stdin)
A pod named "missing" answers 404. With TOKEN, other bearers get 401.
Listens on a free loopback port and writes it to PORTFILE.
"""
import socket
import struct
import sys
import threading
import time
import urllib.parse


def frame(ch, data):
    return struct.pack(">BI", ch, len(data)) + data


def reply(c, code, text):
    body = (text + "\n").encode()
    c.sendall(b"HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
              b"Connection: close\r\n\r\n" % (code, len(body)) + body)


def logs(c, ns, pod, ctr, q):
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
    c.sendall(f"log of {ns}/{pod}/{ctr}\nline 2\n".encode())
    if q.get("follow") == ["true"]:
        for i in range(1, 6):
            time.sleep(0.2)
            c.sendall(f"tick {i}\n".encode())


def exec_(c, rest, q):
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
              b"Upgrade: minik8s-exec.v1\r\n\r\n")
    c.sendall(frame(1, ("cmd: " + " ".join(q.get("command", [])) + "\n").encode()))
    if q.get("stdin") != ["true"]:
        c.sendall(frame(3, b"0"))
        return
    buf = rest
    while True:
        while len(buf) >= 5:
            ch, n = struct.unpack(">BI", buf[:5])
            if len(buf) < 5 + n:
                break
            data, buf = buf[5:5 + n], buf[5 + n:]
            if ch == 0 and n == 0:
                c.sendall(frame(3, b"7"))
                return
            if ch == 0:
                c.sendall(frame(1, data.upper()))
        d = c.recv(65536)
        if not d:
            return
        buf += d


def serve(c, token):
    try:
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = c.recv(4096)
            if not d:
                return
            buf += d
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        hdrs = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
        if token and hdrs.get("authorization") != "Bearer " + token:
            return reply(c, 401, "unauthorized")
        u = urllib.parse.urlsplit(target)
        q = urllib.parse.parse_qs(u.query)
        parts = u.path.strip("/").split("/")
        if len(parts) != 4:
            return reply(c, 400, "bad path " + u.path)
        what, ns, pod, ctr = parts
        if pod == "missing":
            return reply(c, 404, f"pod {ns}/{pod} is not on this node")
        if what == "containerLogs" and method == "GET":
            return logs(c, ns, pod, ctr, q)
        if what == "exec" and hdrs.get("upgrade") == "minik8s-exec.v1":
            return exec_(c, rest, q)
        return reply(c, 404, "no such endpoint")
    finally:
        c.close()


def main():
    token = sys.argv[2] if len(sys.argv) > 2 else None
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, token), daemon=True).start()


if __name__ == "__main__":
    main()
