# A unix socket bound at a path in a lower dir: the socket file exists
# in the tree, a client connects through the path, unlink removes it.
set -e
source "$DIFF_LIB"
python3 - <<'PY'
import os, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("tree/a/sock")
s.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect("tree/a/sock")
conn, _ = s.accept()
c.sendall(b"over a socket in the union\n")
print(conn.recv(100).decode().strip())
s2 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s2.bind("kept.sock")
try:
    socket.socket(socket.AF_UNIX).bind("files/small.txt")
except OSError as e:
    print("bind onto a file:", e.strerror)
os.unlink("tree/a/sock")
PY
tree_list tree/a kept.sock
