"""What a large request body costs the server's memory: Daphne's resident set while 40 MB posts arrive.

Each scenario gets a fresh Daphne (DEBUG on, its own SQLite database under a temp ATELIER_VAR_DIR, jobs
queued for a db_worker that is not running, so only the request itself is measured). Its RSS is sampled
from /proc every 5 ms; the growth is the peak during the scenario less the RSS just before it.

1. anonymous: one 40 MB multipart POST to /studio/submit with no session.
2. logged_in: one signed-in POST of a valid 40 MB PNG (random pixels, so it does not compress) as an edit
   input to /studio/submit.
3. concurrent20: twenty such signed-in posts at once, each on its own connection.

    DEBUG=1 .venv/bin/python bench/memory.py

The last line reads `anon_growth_mb=<n> logged_in_growth_mb=<n> concurrent20_growth_mb=<n>`.
"""

from __future__ import annotations

import http.client
import io
import os
import sys
import tempfile
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.daphne import AtelierServer, start_atelier  # noqa: E402

USERNAME, PASSWORD = "bench", "a-bench-password-1234"
CONCURRENT = 20
MB = 1024 * 1024


def make_png(path: Path, target_bytes: int = 40 * MB) -> None:
    """A real PNG of random RGBA pixels, about `target_bytes` long (noise does not compress)."""
    from PIL import Image

    side = int((target_bytes / 4) ** 0.5)
    pixels = os.urandom(side * side * 4)
    Image.frombytes("RGBA", (side, side), pixels).save(path, format="PNG", compress_level=1)


def write_multipart(path: Path, image: Path, csrf: str) -> str:
    """The Studio form as a browser sends it, written to a file so that it is streamed, not held."""
    boundary = uuid.uuid4().hex
    fields = {
        "csrfmiddlewaretoken": csrf,
        "prompt": "a benchmark edit",
        "model": "gpt-image-2",
        "size": "auto",
        "quality": "low",
        "output_format": "png",
        "moderation": "auto",
        "partial_images": "0",
        "n": "1",
        "background": "auto",
        "action": "generate",
    }
    with open(path, "wb") as out:
        for name, value in fields.items():
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="images"; filename="big.png"\r\n'
            f"Content-Type: image/png\r\n\r\n".encode()
        )
        with open(image, "rb") as source:
            while chunk := source.read(MB):
                out.write(chunk)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}"


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = rss_bytes(pid)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.005)


def cookies_from(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            jar[name] = morsel.value


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def log_in(server: AtelierServer) -> dict[str, str]:
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    response.read()
    cookies_from(response, jar)
    body = f"username={USERNAME}&password={PASSWORD}&csrfmiddlewaretoken={jar['csrftoken']}"
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)},
    )
    response = conn.getresponse()
    response.read()
    cookies_from(response, jar)
    conn.close()
    if "sessionid" not in jar:
        raise RuntimeError(f"login failed: {response.status}")
    return jar


def post_file(server: AtelierServer, body: Path, content_type: str, jar: dict[str, str]) -> str:
    """POST the body file; the answer's status, or what went wrong on the connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    headers = {"Content-Type": content_type, "Content-Length": str(body.stat().st_size)}
    if jar:
        headers |= {"Cookie": cookie_header(jar), "X-CSRFToken": jar["csrftoken"]}
    try:
        with open(body, "rb") as handle:
            conn.request("POST", "/studio/submit", body=handle, headers=headers)
            response = conn.getresponse()
            response.read()
            return str(response.status)
    except (ConnectionError, http.client.HTTPException) as exc:
        return exc.__class__.__name__
    finally:
        conn.close()


def measure(name: str, image: Path, work_dir: Path, *, signed_in: bool, clients: int) -> tuple[float, str]:
    var_dir = Path(tempfile.mkdtemp(prefix=f"atelier-memory-{name}-", dir=work_dir))
    server = start_atelier(
        var_dir, env={"ATELIER_JOB_RUNNER": "workers", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    )
    try:
        server.manage(
            "shell",
            "-c",
            f"from django.contrib.auth.models import User; User.objects.create_user({USERNAME!r}, password={PASSWORD!r})",
        )
        jar = log_in(server) if signed_in else {}
        csrf = jar.get("csrftoken", "x" * 32)
        body = var_dir / "body.bin"
        content_type = write_multipart(body, image, csrf)
        # Warm up the code the posts run (one small upload when signed in), so that imports and first-use
        # caches are not counted as growth.
        warm = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        warm.request("GET", "/studio/", headers={"Cookie": cookie_header(jar)} if jar else {})
        warm.getresponse().read()
        warm.close()
        if signed_in:
            small = var_dir / "small.png"
            make_png(small, target_bytes=256 * 1024)
            small_body = var_dir / "small-body.bin"
            post_file(server, small_body, write_multipart(small_body, small, csrf), jar)
        time.sleep(0.5)
        before = rss_bytes(server.pid)
        sampler = RssSampler(server.pid)
        sampler.start()
        results: list[str] = []
        threads = [
            threading.Thread(target=lambda: results.append(post_file(server, body, content_type, jar)))
            for _ in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(0.3)
        sampler.done.set()
        sampler.join()
        growth_mb = (sampler.peak - before) / MB
        summary = ", ".join(f"{status} x{results.count(status)}" for status in sorted(set(results)))
        return growth_mb, summary
    finally:
        server.stop()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="atelier-memory-") as tmp:
        work_dir = Path(tmp)
        image = work_dir / "big.png"
        make_png(image)
        size_mb = image.stat().st_size / MB
        print(f"image: a valid {size_mb:.1f} MB PNG")
        scenarios = [
            ("anon", False, 1),
            ("logged_in", True, 1),
            ("concurrent20", True, CONCURRENT),
        ]
        figures: dict[str, float] = {}
        print(f"{'scenario':<14} {'clients':>7} {'rss growth MB':>14} {'per upload MB':>14}  answers")
        for name, signed_in, clients in scenarios:
            growth, answers = measure(name, image, work_dir, signed_in=signed_in, clients=clients)
            figures[name] = growth
            print(f"{name:<14} {clients:>7} {growth:>14.1f} {growth / clients:>14.1f}  {answers}")
        out = io.StringIO()
        out.write(f"anon_growth_mb={figures['anon']:.1f} ")
        out.write(f"logged_in_growth_mb={figures['logged_in']:.1f} ")
        out.write(f"concurrent20_growth_mb={figures['concurrent20']:.1f}")
        print(out.getvalue())


if __name__ == "__main__":
    main()
