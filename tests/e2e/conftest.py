"""End-to-end tests: the real Tend window under Xvfb, driven over WebDriver (tauri-driver in front
of WebKitWebDriver). scripts/e2e.sh builds the app and sets TEND_APP and TEND_CLI; screenshots of
every step go to TEND_E2E_ARTIFACTS."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

APP = os.environ["TEND_APP"]
CLI = os.environ["TEND_CLI"]
ARTIFACTS = Path(os.environ.get("TEND_E2E_ARTIFACTS", "target/e2e"))
DEMO_PASSPHRASE = "demo clinic passphrase"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port}")


@pytest.fixture(scope="session")
def display(tmp_path_factory):
    """A private X display of 1280×800, the smallest screen Tend is built for. Xvfb picks a free
    display number itself; when another Xvfb takes the same one at the same moment, or it fails
    to start for a moment (seen here: it prints its number, then exits), it is started again, and
    what it said is shown if it never stays up."""
    log = tmp_path_factory.mktemp("xvfb") / "xvfb.log"
    for attempt in range(10):
        read, write = os.pipe()
        with open(log, "w") as err:
            xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                pass_fds=(write,),
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        os.close(write)
        number = os.read(read, 16).decode().strip()
        os.close(read)
        time.sleep(0.5)
        if number and xvfb.poll() is None:
            break
        xvfb.kill()
        xvfb.wait()
        time.sleep(0.5 * (attempt + 1))
    else:
        raise RuntimeError("Xvfb would not start; it said:\n" + log.read_text()[-3000:])
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait()


@pytest.fixture(scope="session")
def driver_url(display):
    port = free_port()
    # No D-Bus session, so no keyring (and no autolaunched one that could sit locked, waiting for
    # a prompt nobody answers): the app asks for the passphrase, as on a bare desktop.
    env = dict(os.environ, DISPLAY=display, DBUS_SESSION_BUS_ADDRESS="disabled:")
    server = subprocess.Popen(
        ["tauri-driver", "--port", str(port), "--native-driver", "/usr/bin/WebKitWebDriver",
         "--native-port", str(free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait()


@pytest.fixture(scope="session")
def demo_clinic(tmp_path_factory):
    """The demo clinic, made once by the `tend` command; each test gets its own copy."""
    folder = tmp_path_factory.mktemp("demo") / "clinic"
    subprocess.run(
        [CLI, "--data-dir", str(folder), "demo"],
        env=dict(os.environ, TEND_PASSPHRASE=DEMO_PASSPHRASE),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder


@pytest.fixture
def clinic_copy(demo_clinic, tmp_path):
    folder = tmp_path / "clinic"
    shutil.copytree(demo_clinic, folder)
    return folder


class Window:
    """The app's window, with the few moves every test makes."""

    def __init__(self, driver, name: str, display: str):
        self.d = driver
        self.name = name
        self.display = display
        self.step = 0
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)

    def shot(self, what: str) -> None:
        # Two animation frames, so the picture shows what the DOM already holds.
        self.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
        )
        self.step += 1
        self.picture(self.folder / f"{self.step:02d}-{what}.png")

    def picture(self, path: Path) -> None:
        """The screen as a person sees it, taken from the X display (ImageMagick's `import`).
        WebKitWebDriver's own screenshot hangs on some pages once the app draws without GPU
        compositing (the chart's summary with its SVG trends), though the window itself is fine."""
        subprocess.run(["import", "-display", self.display, "-window", "root", str(path)], check=True, timeout=30)

    def pdf(self, doc_id: int) -> bytes:
        """A printed document's bytes, fetched through the same command the preview uses."""
        data = self.d.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            window.__TAURI_INTERNALS__.invoke('document_bytes', { id: arguments[0] })
              .then((b) => done(Array.from(new Uint8Array(b))), (e) => done({ error: e }));
            """,
            doc_id,
        )
        assert isinstance(data, list), data
        return bytes(data)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def window(driver_url, display, request):
    def start(data_dir: Path) -> Window:
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": APP, "args": ["--data-dir", str(data_dir)]})
        driver = webdriver.Remote(command_executor=driver_url, options=options)
        driver.implicitly_wait(0)
        opened.append(driver)
        return Window(driver, request.node.name, display)

    opened: list = []
    windows: list[Window] = []

    def started(data_dir: Path) -> Window:
        w = start(data_dir)
        windows.append(w)
        return w

    yield started
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed and windows:
        windows[-1].picture(ARTIFACTS / request.node.name / "FAILED.png")
    for driver in opened:
        try:
            driver.quit()
        except Exception:  # a test may have closed its window already
            pass
