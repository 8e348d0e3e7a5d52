#!/usr/bin/env python3
"""A small SMTP server for the tests (standard library only): accepts
every message on loopback and writes each one to DIR/NNNN.eml, preceded by
"X-Sink-From:" and "X-Sink-Rcpt:" lines (the envelope). RCPT addresses
whose local part starts with "refuse" get 550 (a recipient the server
refuses). Usage: smtpsink.py DIR PORTFILE  (the chosen port is written to
PORTFILE once listening)."""
import os
import socketserver
import sys
import threading

OUT = sys.argv[1]
count = 0
lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        global count
        self.send("220 sink.test ESMTP")
        mail_from, rcpts = None, []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            cmd = line[:4].upper()
            if cmd in ("EHLO", "HELO"):
                self.wfile.write(b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n")
            elif cmd == "MAIL":
                mail_from, rcpts = line[10:].strip(), []
                self.send("250 OK")
            elif cmd == "RCPT":
                addr = line[8:].strip().strip("<>")
                if addr.split("@")[0].startswith("refuse"):
                    self.send("550 5.1.1 <%s>: utilisateur inconnu" % addr)
                else:
                    rcpts.append(addr)
                    self.send("250 OK")
            elif cmd == "DATA":
                if not rcpts:
                    self.send("554 no valid recipients")
                    continue
                self.send("354 go ahead")
                data = []
                while True:
                    l = self.rfile.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    if l.startswith(b".."):
                        l = l[1:]
                    data.append(l)
                with lock:
                    count += 1
                    n = count
                head = "X-Sink-From: %s\r\n" % mail_from + "".join(
                    "X-Sink-Rcpt: %s\r\n" % r for r in rcpts)
                tmp = os.path.join(OUT, ".%04d.tmp" % n)
                with open(tmp, "wb") as f:
                    f.write(head.encode() + b"".join(data))
                os.rename(tmp, os.path.join(OUT, "%04d.eml" % n))
                self.send("250 OK queued as %d" % n)
            elif cmd == "RSET":
                mail_from, rcpts = None, []
                self.send("250 OK")
            elif cmd == "NOOP":
                self.send("250 OK")
            elif cmd == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 unknown command")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
