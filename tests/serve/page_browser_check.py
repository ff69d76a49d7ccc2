"""Drive headless Chromium through a page of `vlsi serve` (tests/serve/test_serve_page.cpp).

Chromium's --dump-dom does not wait for fetches (its virtual time runs on while
the stream is open), so this script speaks the DevTools protocol instead,
over a websocket written with the standard library only: open URL, wait until
<body data-state> is "done" or "error", then write the DOM and a screenshot.

usage: page_browser_check.py URL --dom OUT.html --screenshot OUT.png --profile DIR [--timeout S]
"""
import argparse, base64, json, os, socket, struct, subprocess, sys, time, urllib.request


class WebSocket:
    """A minimal RFC 6455 client: text frames out (masked), whole messages in."""

    def __init__(self, url):
        assert url.startswith("ws://"), url
        host_port, path = url[5:].split("/", 1)
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: " + head.decode(errors="replace"))

    def _exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("websocket closed")
            data += chunk
        return data

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                  bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                                  bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self):
        message = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            payload = self._exact(n)
            if b0 & 0x0F in (0x9, 0xA):  # ping/pong: not part of a message
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Page:
    def __init__(self, ws):
        self.ws, self.next_id = ws, 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--dom", required=True)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--timeout", type=float, default=90)
    a = ap.parse_args()
    os.makedirs(a.profile, exist_ok=True)
    browser = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-extensions", "--disable-sync", "--no-first-run", "--window-size=1000,800",
         "--remote-debugging-port=0", "--user-data-dir=" + a.profile, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, HOME=a.profile))
    try:
        port_file = os.path.join(a.profile, "DevToolsActivePort")
        end = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if time.time() > end or browser.poll() is not None:
                sys.exit("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(open(port_file).read().split("\n")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
        page = Page(WebSocket(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]))
        page.call("Page.enable")
        page.call("Page.navigate", url=a.url)
        end = time.time() + a.timeout
        state = None
        while time.time() < end:
            state = page.evaluate("document.body ? document.body.dataset.state : null")
            if state in ("done", "error"):
                break
            time.sleep(0.1)
        with open(a.dom, "w") as f:
            f.write(page.evaluate("document.documentElement.outerHTML") or "")
        shot = page.call("Page.captureScreenshot", format="png")["data"]
        with open(a.screenshot, "wb") as f:
            f.write(base64.b64decode(shot))
        print("state", state)
        return 0 if state == "done" else 1
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()


if __name__ == "__main__":
    sys.exit(main())
