"""A class of three on this machine, end to end: start, each trainee's own server and workspace
through the hub's REST API, a check in one trainee's course, the trainer's dashboard in
Chromium, and a stop that leaves no process behind."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import shutil
import stat
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mfa_kit.classroom import TRAINER, lifecycle, state
from mfa_kit.otp import Totp
from tests.browser.conftest import free_port
from tests.conftest import run_mfa_kit

REQUIRE = "MFA_KIT_REQUIRE_CLASSROOM"
READY_S = 300
TRAINEES = ["trainee01", "trainee02", "trainee03"]
CHECKED = "trainee02"

pytestmark = [pytest.mark.browser, pytest.mark.classroom]


def _proxy_or_skip() -> None:
    try:
        lifecycle.proxy_command()
    except lifecycle.ClassroomError as problem:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{problem}, and {REQUIRE}=1 requires the classroom test to run")
        pytest.skip(str(problem))


class Hub:
    """The running classroom as a test talks to it: the trainer's token on the REST API."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.url = f"http://127.0.0.1:{port}"
        self.classroom = state.load(root)
        self.token = self.classroom.trainer_token()

    def call(self, path: str, method: str = "GET", body: dict | None = None, raw: bool = False):
        request = urllib.request.Request(  # noqa: S310 (the test's own hub on 127.0.0.1)
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            data = answer.read()
        return data if raw else (json.loads(data) if data else None)

    def wait_until_ready(self, logins: list[str]) -> float:
        started = time.monotonic()
        while time.monotonic() - started < READY_S:
            users = {user["name"]: user for user in self.call("/hub/api/users")}
            if all(users[name]["servers"].get("", {}).get("ready") for name in logins):
                return time.monotonic() - started
            time.sleep(0.5)
        pytest.fail(f"the trainee servers were not ready in {READY_S} s; see {self.root}/hub.log")

    def run_in_kernel(self, login: str, code: str, keep: bool = False) -> str:
        """Run ``code`` in a new kernel of ``login``'s server; its printed output. The kernel
        is shut down afterwards unless ``keep`` (the benchmark measures it)."""
        kernel = self.call(f"/user/{login}/api/kernels", "POST", {"name": "python3"})
        try:
            # Playwright's sync API keeps an event loop in this thread: the kernel gets its own.
            with ThreadPoolExecutor(1) as thread:
                return thread.submit(asyncio.run, self._execute(login, kernel["id"], code)).result()
        finally:
            if not keep:
                self.call(f"/user/{login}/api/kernels/{kernel['id']}", "DELETE")

    async def _execute(self, login: str, kernel: str, code: str) -> str:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        ws_url = self.url.replace("http", "ws") + f"/user/{login}/api/kernels/{kernel}/channels"
        request = HTTPRequest(ws_url, headers={"Authorization": f"token {self.token}"})
        connection = await websocket_connect(request)
        msg_id = uuid.uuid4().hex
        connection.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": TRAINER,
                        "session": uuid.uuid4().hex,
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {"code": code, "silent": False, "store_history": False},
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        printed: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            message = json.loads(await asyncio.wait_for(connection.read_message(), 120))
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                printed.append(content["text"])
            elif kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                connection.close()
                return "".join(printed)
        raise AssertionError("the kernel did not answer in 120 s")


@pytest.fixture
def classroom(tmp_path: Path):
    _proxy_or_skip()
    root = (tmp_path / "classroom").resolve()
    port = free_port()
    result = run_mfa_kit(
        "classroom", "start", "--trainees", "3", "--port", str(port), "--state", str(root),
        timeout=lifecycle.READY_TIMEOUT_S + 60,
    )  # fmt: skip
    try:
        assert result.returncode == 0, result.stderr + (root / "hub.log").read_text()
        yield Hub(root, port), result.stdout
    finally:
        lifecycle.stop(root)
        artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
        artifacts.mkdir(parents=True, exist_ok=True)
        if (root / "hub.log").exists():
            shutil.copy(root / "hub.log", artifacts / "classroom-hub.log")


def _first_passwords(hub: Hub) -> dict[str, dict[str, str]]:
    with hub.classroom.first_passwords.open() as handle:
        return {row["login"]: row for row in csv.DictReader(handle)}


def _log_in(page, hub: Hub, login: str, account: dict[str, str], target: str) -> None:
    """Open ``target``, get the hub's login form, log in with password and Security code."""
    page.goto(target)
    page.wait_for_selector("#login_submit")
    page.fill("#username_input", login)
    page.fill("#password_input", account["password"])
    page.fill("#otp_input", Totp(account["setup_key"]).at(time.time()))
    with page.expect_navigation():
        page.click("#login_submit")
    page.wait_for_load_state()
    assert "/hub/login" not in page.url, page.content()


def test_a_class_of_three_on_the_hub_and_the_trainers_dashboard(classroom, web, browser):
    hub, printed = classroom
    root = hub.root
    passwords = _first_passwords(hub)
    # The first passwords are printed once and kept in a file only the trainer can read.
    assert set(passwords) == {TRAINER, *TRAINEES}
    for login, account in passwords.items():
        assert account["password"] in printed, login
    assert stat.S_IMODE(hub.classroom.first_passwords.stat().st_mode) == 0o600
    assert stat.S_IMODE(hub.classroom.trainer_token_file.stat().st_mode) == 0o600
    assert hub.token not in (root / "hub.log").read_text()

    # A second start of the same class is refused while it runs, and changes nothing.
    again = run_mfa_kit("classroom", "start", "--trainees", "3", "--state", str(root))
    assert again.returncode == 2
    assert again.stderr.strip().endswith(f"the classroom in {root} is already running "
                                         f"(mfa-kit classroom stop --state {root})")  # fmt: skip

    # 1. Every trainee's server, started by the trainer through the REST API.
    for login in TRAINEES:
        hub.call(f"/hub/api/users/{login}/server", "POST")
    ready_after = hub.wait_until_ready(TRAINEES)
    print(f"3 trainee servers ready {ready_after:.1f} s after the API asked for them")

    running = json.loads(run_mfa_kit("classroom", "status", "--json", "--state", str(root)).stdout)
    assert running["running"] is True and running["url"] == hub.url
    assert [(t["login"], t["server"]) for t in running["trainees"]] == [
        (login, "ready") for login in TRAINEES
    ]

    # 2. Each server is rooted in that trainee's own workspace, and sees nobody else's files.
    for login in TRAINEES:
        note = {"type": "file", "format": "text", "content": f"written by {login}\n"}
        hub.call(f"/user/{login}/api/contents/whose.txt", "PUT", note)
    for login in TRAINEES:
        listing = {item["name"] for item in hub.call(f"/user/{login}/api/contents/")["content"]}
        assert {"00_start_here.ipynb", "progress.sqlite3"} <= listing, listing
        assert not listing & set(TRAINEES), listing
        whose = hub.call(f"/user/{login}/api/contents/whose.txt")["content"]
        assert whose == f"written by {login}\n"
        assert (hub.classroom.workspace(login) / "whose.txt").read_text() == whose
        with pytest.raises(urllib.error.HTTPError):  # nothing above the workspace is served
            hub.call(f"/user/{login}/api/contents/../{TRAINEES[0]}/whose.txt")
        seen = hub.run_in_kernel(
            login, "import os; print(os.environ['MFA_KIT_HOME']); print(os.getcwd())"
        ).split()
        assert seen == [str(hub.classroom.workspace(login))] * 2

    # 3. A check in one trainee's course, through the course's own code path in their kernel.
    code = (
        "import os\n"
        "from pathlib import Path\n"
        "from mfa_kit.checks import CheckResult\n"
        "from mfa_kit.progress import PROGRESS_FILE, Progress, read_report\n"
        "from mfa_kit.screens.check import CheckMyWork\n"
        "home = Path(os.environ['MFA_KIT_HOME'])\n"
        "notebook = read_report(home)['notebooks'][0]\n"
        "progress = Progress(home / PROGRESS_FILE)\n"
        "for check in notebook['checks']:\n"
        "    box = CheckMyWork(notebook['name'], check['name'],\n"
        "                      lambda: CheckResult(True, 'done'), progress)\n"
        "    assert box.click().ok\n"
        "progress.record_assessment(90.0, True, {'diagnosis': 90.0})\n"
        "progress.close()\n"
        "print(notebook['name'])\n"
    )
    notebook = hub.run_in_kernel(CHECKED, code).strip()
    from mfa_kit.progress import read_report

    reports = {login: read_report(hub.classroom.workspace(login)) for login in TRAINEES}
    done = {n["name"]: n["complete"] for n in reports[CHECKED]["notebooks"]}
    assert done[notebook] is True
    for login in set(TRAINEES) - {CHECKED}:
        assert not any(n["complete"] for n in reports[login]["notebooks"]), login

    # 4. The trainer's dashboard in Chromium: ✔ for that trainee, blank for the others.
    page = web.page
    dashboard = f"{hub.url}/services/dashboard/"
    _log_in(page, hub, TRAINER, passwords[TRAINER], dashboard)
    assert page.url == dashboard
    page.wait_for_selector("table#progress")
    web.screenshot("dashboard")

    def shown(login: str) -> str:
        selector = f'td.cell[data-login="{login}"][data-notebook="{notebook}"]'
        return page.locator(selector).inner_text().strip()

    assert shown(CHECKED) == "✔"
    assert [shown(login) for login in TRAINEES if login != CHECKED] == ["", ""]
    checked_row = page.locator(f'tr[data-login="{CHECKED}"]')
    assert checked_row.locator("td.problem").inner_text() == ""
    assert checked_row.locator("td.score").inner_text() == "90 %"
    assert checked_row.locator("td.passed").inner_text() == "pass"
    assert page.locator('tr[data-login="trainee01"] td.score').inner_text() == ""
    with page.expect_navigation():
        checked_row.locator("a", has_text="certificate").click()
    assert CHECKED in page.locator("body").inner_text()
    web.screenshot("certificate")
    page.goto(dashboard)
    exported = page.request.get(f"{hub.url}/services/dashboard/progress.csv").text()
    rows = {row["login"]: row for row in csv.DictReader(exported.splitlines())}
    assert rows[CHECKED][notebook] == "✔"
    assert {rows[login][notebook] for login in TRAINEES if login != CHECKED} == {""}

    # A trainee cannot open the dashboard.
    context = browser.new_context()
    try:
        trainee_page = context.new_page()
        _log_in(trainee_page, hub, TRAINEES[0], passwords[TRAINEES[0]], f"{hub.url}/hub/home")
        answer = trainee_page.goto(dashboard)
        assert answer.status == 403
        assert "Classroom progress" not in trainee_page.content()
        # …nor another trainee's files: the hub refuses them that server (their own opens).
        answer = trainee_page.goto(f"{hub.url}/user/{CHECKED}/files/whose.txt")
        assert answer.status == 403
        assert f"written by {CHECKED}" not in trainee_page.content()
        answer = trainee_page.goto(f"{hub.url}/user/{TRAINEES[0]}/files/whose.txt")
        assert answer.status == 200 and f"written by {TRAINEES[0]}" in trainee_page.content()
    finally:
        context.close()

    # 5. Stop: the hub, the proxy, the services, every server and kernel end.
    hub_pid = hub.classroom.running()["pid"]
    assert lifecycle.tagged_processes(root), "the class should be running before the stop"
    result = run_mfa_kit("classroom", "stop", "--state", str(root), timeout=180)
    assert result.returncode == 0, result.stderr
    assert "is stopped." in result.stdout
    assert lifecycle.tagged_processes(root) == []
    assert not Path(f"/proc/{hub_pid}").exists() or lifecycle._zombie(hub_pid)
    status = run_mfa_kit("classroom", "status", "--json", "--state", str(root))
    assert json.loads(status.stdout)["running"] is False


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as a room's own certificate would be."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, private


def test_a_class_with_tls_answers_on_https_only(tmp_path):
    import http.client
    import ssl

    _proxy_or_skip()
    cert, key = _self_signed(tmp_path)
    root = (tmp_path / "classroom").resolve()
    port = free_port()
    result = run_mfa_kit(
        "classroom", "start", "--trainees", "1", "--port", str(port), "--state", str(root),
        "--ssl-cert", str(cert), "--ssl-key", str(key), timeout=lifecycle.READY_TIMEOUT_S + 60,
    )  # fmt: skip
    try:
        assert result.returncode == 0, result.stderr
        assert f"The class is open at https://127.0.0.1:{port}/" in result.stdout
        trusted = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(  # noqa: S310
            f"https://127.0.0.1:{port}/hub/api/", context=trusted, timeout=30
        ) as answer:
            assert "version" in json.loads(answer.read())
        with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/api/", timeout=30)  # noqa: S310
    finally:
        lifecycle.stop(root)
    assert lifecycle.tagged_processes(root) == []
