"""A PNG of the HTML page, taken by headless Chromium alone (Debian's package).

Chromium is driven over its DevTools pipe (--remote-debugging-pipe: JSON
messages on file descriptors 3 and 4, each ended by a NUL byte), so no Python
package is needed: the page is opened, awaited until its layout has settled
(body[data-ready="true"]), searched if asked, and captured. `chromium
--screenshot` alone cannot wait for the page or search it.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

from ..errors import InputError, UsageError

#: Flags that let Debian's Chromium run headless as root with no network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
INSTALL = "apt-get install chromium fonts-noto-core"
_READY = """new Promise(resolve => {
    const check = () => document.body && document.body.dataset.ready === "true" ? resolve(true) : setTimeout(check, 100);
    check();
})"""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def take(page_file: Path | str, target: Path, *, width: int = 1500, height: int = 900, search: str | None = None,
         timeout: float = 120.0) -> bytes:
    """Open `page_file` (or a URL), wait until the page says it is ready, optionally search, and return the PNG."""
    executable = chromium_path()
    if executable is None:
        raise UsageError(f"a screenshot needs Chromium: {INSTALL}")
    try:
        with _DevTools(executable, timeout) as browser:
            session = browser.call("Target.attachToTarget", flatten=True,
                                   targetId=browser.call("Target.createTarget", url="about:blank")["targetId"])["sessionId"]
            browser.call("Emulation.setDeviceMetricsOverride", session=session, width=width, height=height,
                         deviceScaleFactor=1, mobile=False)
            browser.call("Page.enable", session=session)
            url = page_file if isinstance(page_file, str) else page_file.resolve().as_uri()
            browser.call("Page.navigate", session=session, url=url)
            browser.evaluate(session, _READY)
            if search:
                # The text goes in as a JSON string: data, never code. It is typed
                # into the box too, so the picture shows what was searched.
                text = json.dumps(search)
                browser.evaluate(session, f'document.getElementById("search").value = {text}; window.takedownKg.search({text})')
            shot = browser.call("Page.captureScreenshot", session=session, format="png")
            return base64.b64decode(shot["data"])
    except (OSError, TimeoutError, RuntimeError) as error:
        raise InputError(f"{target}: the screenshot failed: {str(error).splitlines()[0]}") from None


class _DevTools:
    """Chromium over its DevTools pipe: one request at a time, answers matched by id."""

    def __init__(self, executable: str, timeout: float):
        self.executable, self.deadline, self.next_id, self.buffer = executable, time.monotonic() + timeout, 0, b""

    def __enter__(self) -> "_DevTools":
        to_browser, self.writer = os.pipe()
        self.reader, from_browser = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4.
        self.process = subprocess.Popen(
            [self.executable, *CHROMIUM_ARGS, "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=lambda: (os.dup2(to_browser, 3), os.dup2(from_browser, 4)),
        )
        os.close(to_browser)
        os.close(from_browser)
        return self

    def __exit__(self, *_) -> None:
        for fd in (self.writer, self.reader):
            os.close(fd)
        self.process.kill()
        self.process.wait()

    def call(self, method: str, *, session: str | None = None, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.writer, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error'].get('message', answer['error'])}")
                return answer.get("result", {})

    def evaluate(self, session: str, expression: str) -> None:
        result = self.call("Runtime.evaluate", session=session, expression=expression, awaitPromise=True,
                           timeout=max(1, int((self.deadline - time.monotonic()) * 1000)))
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("text", "the page raised an error"))

    def _receive(self) -> dict:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.reader], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)
