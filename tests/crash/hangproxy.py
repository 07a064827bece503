#!/usr/bin/env python3
# The crash campaign's Docker socket: forward each connection to dockerd;
# while the file HANG exists, accept and never answer (a hung runtime).
#   hangproxy.py LISTEN-PATH HANG-FILE UPSTREAM-PATH
import os, socket, sys, threading
path, hang, upstream = sys.argv[1:4]
srv = socket.socket(socket.AF_UNIX); srv.bind(path); srv.listen(64)
held = []
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
while True:
    c, _ = srv.accept()
    if os.path.exists(hang):
        held.append(c); continue
    u = socket.socket(socket.AF_UNIX); u.connect(upstream)
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()

