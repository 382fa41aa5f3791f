"""What a large request body costs the server's memory: Daphne's resident set while 40 MB posts arrive.

Each scenario gets a fresh Daphne (DEBUG on, its own SQLite database under a temp ATELIER_VAR_DIR, jobs
queued for a db_worker that is not running, so only the request itself is measured). Its RSS is sampled
from /proc every 5 ms; the growth is the peak during the scenario less the RSS just before it.

1. anonymous: one 40 MB multipart POST to /studio/submit with no session.
2. logged_in: one signed-in POST of a valid 40 MB PNG (random pixels, so it does not compress) as an edit
   input to /studio/submit.
3. concurrent20: twenty such signed-in posts at once, each on its own connection.
4. api: one 40 MB upload to the API (`POST /api/v1/uploads`, multipart field `file`, a Bearer key).
5. api_concurrent20: twenty such API uploads at once.

    DEBUG=1 .venv/bin/python bench/memory.py [scenario ...]   (all five, or only those named)

The last line reads `anon_growth_mb=<n> logged_in_growth_mb=<n> concurrent20_growth_mb=<n> api_growth_mb=<n>
api_concurrent20_growth_mb=<n>`.
"""

from __future__ import annotations

import http.client
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


def studio_fields(csrf: str) -> dict[str, str]:
    """The Studio form as a browser sends it (the image goes in `images`)."""
    return {
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


def write_multipart(path: Path, image: Path, fields: dict[str, str], file_field: str) -> str:
    """A multipart body with `fields` and the image, written to a file so that it is streamed, not held."""
    boundary = uuid.uuid4().hex
    with open(path, "wb") as out:
        for name, value in fields.items():
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="big.png"\r\n'
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


class Poster:
    """How one scenario posts: anonymously or signed in to the Studio's form, or with a key to the API."""

    def __init__(self, server: AtelierServer, how: str) -> None:
        self.server, self.how = server, how
        self.jar = log_in(server) if how == "session" else {}
        self.key = server.manage("create_api_key", USERNAME).strip() if how == "api" else ""

    @property
    def warm_up_headers(self) -> dict[str, str]:
        return {"Cookie": cookie_header(self.jar)} if self.jar else {}

    def write_body(self, path: Path, image: Path) -> str:
        if self.how == "api":
            return write_multipart(path, image, {}, "file")
        return write_multipart(path, image, studio_fields(self.jar.get("csrftoken", "x" * 32)), "images")

    def post(self, body: Path, content_type: str) -> str:
        headers = {"Content-Type": content_type}
        if self.jar:
            headers |= {"Cookie": cookie_header(self.jar), "X-CSRFToken": self.jar["csrftoken"]}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        url = "/api/v1/uploads" if self.how == "api" else "/studio/submit"
        return post_file(self.server, url, body, headers)


def post_file(server: AtelierServer, url: str, body: Path, headers: dict[str, str]) -> str:
    """POST the body file; the answer's status, or what went wrong on the connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    headers = {**headers, "Content-Length": str(body.stat().st_size)}
    try:
        with open(body, "rb") as handle:
            conn.request("POST", url, body=handle, headers=headers)
            response = conn.getresponse()
            response.read()
            return str(response.status)
    except (ConnectionError, http.client.HTTPException) as exc:
        return exc.__class__.__name__
    finally:
        conn.close()


def measure(name: str, image: Path, work_dir: Path, *, how: str, clients: int) -> tuple[float, str]:
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
        poster = Poster(server, how)
        body = var_dir / "body.bin"
        content_type = poster.write_body(body, image)
        # Warm up the code the posts run (one small upload when signed in), so that imports and first-use
        # caches are not counted as growth.
        warm = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        warm.request("GET", "/studio/", headers=poster.warm_up_headers)
        warm.getresponse().read()
        warm.close()
        if how != "anon":
            small = var_dir / "small.png"
            make_png(small, target_bytes=256 * 1024)
            small_body = var_dir / "small-body.bin"
            poster.post(small_body, poster.write_body(small_body, small))
        time.sleep(0.5)
        before = rss_bytes(server.pid)
        sampler = RssSampler(server.pid)
        sampler.start()
        results: list[str] = []
        threads = [
            threading.Thread(target=lambda: results.append(poster.post(body, content_type)))
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
            ("anon", "anon", 1),
            ("logged_in", "session", 1),
            ("concurrent20", "session", CONCURRENT),
            ("api", "api", 1),
            ("api_concurrent20", "api", CONCURRENT),
        ]
        chosen = sys.argv[1:]  # scenario names, to run only those
        figures: dict[str, float] = {}
        print(f"{'scenario':<16} {'clients':>7} {'rss growth MB':>14} {'per upload MB':>14}  answers")
        for name, how, clients in scenarios:
            if chosen and name not in chosen:
                continue
            growth, answers = measure(name, image, work_dir, how=how, clients=clients)
            figures[name] = growth
            print(f"{name:<16} {clients:>7} {growth:>14.1f} {growth / clients:>14.1f}  {answers}")
        print(" ".join(f"{name}_growth_mb={growth:.1f}" for name, growth in figures.items()))


if __name__ == "__main__":
    main()
