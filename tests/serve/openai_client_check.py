"""Drives a running `vlsi serve` with the official openai client and raw HTTP.

Called by tests/serve/test_serve_openai.cpp with the server's URL and the
answers `vlsi generate` gave for the same prompts (greedy), it checks: plain,
streamed and image requests, 32 concurrent clients, and a battery of malformed
requests that must each get a 4xx in OpenAI's error shape while the server
keeps serving. Exits non-zero with one line per failure.
"""
import argparse
import base64
import concurrent.futures
import http.client
import json
import select
import socket
import struct
import sys
import time
import urllib.parse
import zlib

import openai

failures = []


def expect(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def chat(client, model, prompt, image_url=None, **kw):
    content = prompt if image_url is None else [
        {"type": "image_url", "image_url": {"url": image_url}}, {"type": "text", "text": prompt}]
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": content}],
                                          temperature=0, **kw)


def streamed_text(client, model, prompt, **kw):
    text, finish, usage = "", None, None
    for chunk in chat(client, model, prompt, stream=True, stream_options={"include_usage": True}, **kw):
        if chunk.usage is not None:
            usage = chunk.usage
        for c in chunk.choices:
            text += c.delta.content or ""
            finish = c.finish_reason or finish
    return text, finish, usage


def png_bytes(width, height, pixel=b"\x80\x20\x20"):
    rows = b"".join(b"\x00" + pixel * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def data_url(png):
    return "data:image/png;base64," + base64.b64encode(png).decode()


class Raw:
    """Plain HTTP requests, for what the openai client would never send."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {"Content-Type": "application/json"})
        resp = conn.getresponse()
        out = resp.status, resp.read()
        conn.close()
        return out

    def chat(self, payload, **kw):
        body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
        return self.request("POST", "/v1/chat/completions", body, **kw)


def expect_error(name, status_body, status):
    got, body = status_body
    expect(got == status, f"{name}: status {got}, expected {status}: {body[:300]!r}")
    try:
        err = json.loads(body)["error"]
        expect(all(k in err for k in ("message", "type", "param", "code")) and err["message"],
               f"{name}: error body lacks OpenAI's fields: {body[:300]!r}")
    except (ValueError, KeyError, TypeError):
        expect(False, f"{name}: body is not an OpenAI error: {body[:300]!r}")


def battery(raw, model, image_url, prompt):
    ok_msg = [{"role": "user", "content": prompt}]
    base = {"model": model, "messages": ok_msg, "max_tokens": 4, "temperature": 0}
    expect_error("bad JSON", raw.chat('{"model": "x", "messages": ['), 400)
    expect_error("not an object", raw.chat("[1,2,3]"), 400)
    expect_error("max_tokens as string", raw.chat({**base, "max_tokens": "12"}), 400)
    expect_error("messages as string", raw.chat({**base, "messages": "hello"}), 400)
    expect_error("temperature out of range", raw.chat({**base, "temperature": 7}), 400)
    expect_error("content as number", raw.chat({**base, "messages": [{"role": "user", "content": 5}]}), 400)
    expect_error("unknown field", raw.chat({**base, "colour": "red"}), 400)
    expect_error("n=2", raw.chat({**base, "n": 2}), 400)
    expect_error("unknown model", raw.chat({**base, "model": "no-such-model"}), 404)
    expect_error("max_tokens over the cap", raw.chat({**base, "max_tokens": 10**6}), 400)
    expect_error("invalid base64", raw.chat({**base, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,!!!notbase64"}}]}]}), 400)
    expect_error("remote image URL", raw.chat({**base, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "http://example.com/a.png"}}]}]}), 400)
    expect_error("file path", raw.chat({**base, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "file:///etc/passwd"}}]}]}), 400)
    expect_error("not an image", raw.chat({**base, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(b"hello").decode()}}]}]}),
        400)
    # A header claiming 60000x60000 pixels: refused before any pixel is allocated.
    huge = bytearray(png_bytes(1, 1))
    huge[16:24] = struct.pack(">II", 60000, 60000)
    huge[29:33] = struct.pack(">I", zlib.crc32(bytes(huge[12:29])) & 0xffffffff)
    expect_error("huge image (header)", raw.chat({**base, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": data_url(bytes(huge))}}]}]}), 400)
    # A real image over the server's --max-image-pixels (started with 4096).
    expect_error("huge image (pixels)", raw.chat({**base, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": data_url(png_bytes(100, 100))}}]}]}), 400)
    t = time.time()
    expect_error("10 MB prompt", raw.chat({**base, "messages": [{"role": "user", "content": "red " * 2_500_000}]}), 400)
    expect(time.time() - t < 10, f"the 10 MB prompt took {time.time() - t:.1f} s to refuse")
    expect_error("body over the limit", raw.chat(b'{"model": "' + b"x" * (17 << 20) + b'"}'), 413)
    expect_error("deep nesting", raw.chat("[" * 100000), 400)
    expect_error("GET on chat", raw.request("GET", "/v1/chat/completions"), 405)
    expect_error("unknown path", raw.request("GET", "/v2/nothing"), 404)
    expect_error("invalid UTF-8", raw.chat(b'{"model": "m", "messages": [{"role": "user", "content": "\xff\xfe"}]}'), 400)
    slow_body(raw, base)


def slow_body(raw, base):
    """Slowloris: a body that stalls, and one that drips; both end in a 4xx or a
    closed socket within the timeouts while /health still answers."""
    body = json.dumps(base).encode()
    for name, drip in (("stalled body", False), ("dripping body", True)):
        s = socket.create_connection((raw.host, raw.port), timeout=20)
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:5])
        start = time.time()
        health = raw.request("GET", "/health", timeout=5)
        expect(health[0] == 200, f"{name}: /health during a slow body: {health}")
        reply = b""
        try:
            if drip:  # one byte a second: each read is on time, the whole body is not
                for b in body[5:]:
                    if select.select([s], [], [], 0)[0] or time.time() - start > 15:
                        break  # the server answered (or gave up on us)
                    s.sendall(bytes([b]))
                    time.sleep(1.0)
            reply = s.recv(4096)
        except OSError:
            pass  # reset by the server: also an answer
        took = time.time() - start
        s.close()
        status = reply.split(b" ")[1] if reply.startswith(b"HTTP/1.1 ") else b""
        expect(status[:1] == b"4" or reply == b"",
               f"{name}: expected a 4xx or a closed connection, got {reply[:200]!r}")
        expect(took < 12, f"{name}: the server held the connection for {took:.1f} s")
        print(f"{name}: answered {status.decode() or 'by closing'} after {took:.1f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--expected", required=True, help="JSON: model, max_tokens, prompts{}, image_png, image_prompt, image_answer, image_dir")
    args = ap.parse_args()
    exp = json.load(open(args.expected))
    model, max_tokens = exp["model"], exp["max_tokens"]
    client = openai.OpenAI(base_url=args.url, api_key="none", max_retries=0, timeout=60)
    raw = Raw(args.url)

    expect(raw.request("GET", "/health")[0] == 200, "/health")
    ids = [m.id for m in client.models.list().data]
    expect(ids == [model], f"/v1/models lists {ids}, expected [{model!r}]")

    prompts = exp["prompts"]
    for prompt, answer in prompts.items():
        r = chat(client, model, prompt, max_tokens=max_tokens)
        expect(r.choices[0].message.content == answer,
               f"plain {prompt!r}: {r.choices[0].message.content!r} != vlsi generate's {answer!r}")
        expect(r.choices[0].finish_reason in ("stop", "length"), f"finish_reason {r.choices[0].finish_reason}")
        expect(r.usage.prompt_tokens > 0 and r.usage.completion_tokens <= max_tokens, f"usage {r.usage}")
        text, finish, usage = streamed_text(client, model, prompt, max_tokens=max_tokens)
        expect(text == answer, f"streamed {prompt!r}: {text!r} != {answer!r}")
        expect(finish == r.choices[0].finish_reason, f"streamed finish {finish} != {r.choices[0].finish_reason}")
        expect(usage is not None and usage.completion_tokens == r.usage.completion_tokens, f"streamed usage {usage}")

    image_url = data_url(base64.b64decode(exp["image_png"]))
    r = chat(client, model, exp["image_prompt"], image_url=image_url, max_tokens=max_tokens)
    expect(r.choices[0].message.content == exp["image_answer"],
           f"image: {r.choices[0].message.content!r} != vlsi generate's {exp['image_answer']!r}")

    # The same image as a file inside the server's --image-dir.
    image_dir = exp["image_dir"]
    r = chat(client, model, exp["image_prompt"], image_url=f"file://{image_dir}/img.png", max_tokens=max_tokens)
    expect(r.choices[0].message.content == exp["image_answer"],
           f"file:// image: {r.choices[0].message.content!r} != {exp['image_answer']!r}")
    for name, url in (("outside --image-dir", "file:///etc/hostname"), ("link out of --image-dir",
                      f"file://{image_dir}/escape.png"), ("missing file", f"file://{image_dir}/none.png"),
                      ("relative path", "file://img.png")):
        try:
            chat(client, model, "hi", image_url=url, max_tokens=2)
            expect(False, f"{name}: accepted")
        except openai.BadRequestError as e:
            expect(e.body.get("param", "").endswith("image_url.url"), f"{name}: {e}")

    # Seeded sampling: the same seed gives the same answer.
    sampled = [client.chat.completions.create(model=model, messages=[{"role": "user", "content": p}],
                                              temperature=1.0, seed=5, max_tokens=max_tokens).choices[0].message.content
               for p in [next(iter(prompts))] * 2]
    expect(sampled[0] == sampled[1], f"seed 5 gave {sampled}")

    # 32 concurrent clients, half streamed, every greedy answer as vlsi generate's.
    jobs = [(list(prompts)[i % len(prompts)], i % 2 == 1) for i in range(32)]
    def run(job):
        prompt, stream = job
        c = openai.OpenAI(base_url=args.url, api_key="none", max_retries=0, timeout=120)
        if stream:
            return streamed_text(c, model, prompt, max_tokens=max_tokens)[0]
        return chat(c, model, prompt, max_tokens=max_tokens).choices[0].message.content
    def decode_counts():
        health = json.loads(raw.request("GET", "/health")[1])
        return health["models"][0]["decode_steps"], health["models"][0]["rows_decoded"]
    steps_before, rows_before = decode_counts()
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        results = list(pool.map(run, jobs))
    steps, rows = (after - before for after, before in zip(decode_counts(), (steps_before, rows_before)))
    mean_batch = rows / max(steps, 1)
    print(f"32 concurrent clients: {time.time() - start:.2f} s, {steps} decode steps, mean batch {mean_batch:.1f}",
          flush=True)
    # Served one at a time every step would hold one row.
    expect(mean_batch > 2, f"32 concurrent clients were decoded {mean_batch:.1f} rows per step")
    for (prompt, stream), got in zip(jobs, results):
        expect(got == prompts[prompt], f"concurrent ({'streamed' if stream else 'plain'}) {prompt!r}: {got!r}")

    try:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}], n=2)
        expect(False, "n=2 was accepted")
    except openai.BadRequestError as e:
        expect(e.status_code == 400 and "n" in str(e), f"n=2: {e}")

    battery(raw, model, image_url, next(iter(prompts)))

    # Still serving, and still right.
    prompt = next(iter(prompts))
    r = chat(client, model, prompt, max_tokens=max_tokens)
    expect(r.choices[0].message.content == prompts[prompt], "after the battery the answer changed")
    print("checks failed:" if failures else "all checks passed", len(failures), flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
