# broken_server.py MODE: a TCP server on a free loopback port that breaks
# the client's handshake.  Prints its port on the first line, then serves
# until killed.  MODE: close (hang up at once), info (a NATS INFO line, then
# hang up before PONG), garbage (a line no protocol knows, then hang up),
# silent (accept and say nothing).
import socket
import sys
import threading
import time

mode = sys.argv[1]
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
print(srv.getsockname()[1], flush=True)


def serve(conn):
    try:
        if mode == "info":
            conn.sendall(b'INFO {"server_id":"broken","version":"2.9.0","proto":1,'
                         b'"max_payload":1048576}\r\n')
            time.sleep(0.2)
        elif mode == "garbage":
            conn.sendall(b"HELLO WORLD\r\n")
            time.sleep(0.2)
        elif mode == "silent":
            time.sleep(60)
    except OSError:
        pass
    conn.close()


while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
