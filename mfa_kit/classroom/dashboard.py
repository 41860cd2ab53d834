"""The trainer's dashboard: a JupyterHub service, open only to the trainer through the hub's
OAuth, showing every trainee's progress (read-only), refreshed by the page every few seconds.

Run by the hub as ``python -m mfa_kit.classroom.dashboard`` with JupyterHub's service
variables and MFA_KIT_CLASSROOM (the state folder) in its environment.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import signal
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import web

from . import STATE_VARIABLE, TRAINER
from .roster import Trainee
from .state import load
from .table import DONE, TRIED, as_csv, build, certificate_of, pass_text, score_text, when_text

REFRESH_SECONDS = 15


def hub_activity() -> dict[str, str | None]:
    """Each user's last activity as the hub saw it (the service's own token, read-only)."""
    request = urllib.request.Request(  # noqa: S310 (the hub's own API URL)
        url_path_join(os.environ["JUPYTERHUB_API_URL"], "users"),
        headers={"Authorization": f"token {os.environ['JUPYTERHUB_API_TOKEN']}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            return {user["name"]: user.get("last_activity") for user in json.load(answer)}
    except (OSError, ValueError):
        return {}


WORKSPACES_VARIABLE = "MFA_KIT_CLASSROOM_WORKSPACES"
"""On Kubernetes: where the trainees' volumes are mounted (read-only) in the dashboard's
container, as a template with {login}; the trainees are then the hub's non-admin users."""


def trainees_and_workspaces():
    """The trainees (roster order) and where each one's workspace is."""
    template = os.environ.get(WORKSPACES_VARIABLE)
    if template:
        request = urllib.request.Request(  # noqa: S310 (the hub's own API URL)
            url_path_join(os.environ["JUPYTERHUB_API_URL"], "users"),
            headers={"Authorization": f"token {os.environ['JUPYTERHUB_API_TOKEN']}"},
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            users = sorted(user["name"] for user in json.load(answer) if not user.get("admin"))
        trainees = [Trainee(name, name) for name in users]
        return trainees, lambda login: Path(template.format(login=login))
    classroom = load(Path(os.environ[STATE_VARIABLE]))
    return list(classroom.trainees), classroom.workspace


def trainers() -> set[str]:
    """Who may open the dashboard: the one-machine trainer, or on Kubernetes the logins in
    MFA_KIT_CLASSROOM_TRAINERS (comma-separated). The hub also grants the service to admins only."""
    names = os.environ.get("MFA_KIT_CLASSROOM_TRAINERS", TRAINER)
    return {name.strip() for name in names.split(",") if name.strip()}


class TrainerOnly(HubOAuthenticated, web.RequestHandler):
    def prepare(self) -> None:
        user = self.get_current_user()
        if user is None:
            return  # @web.authenticated on the method sends the browser to log in
        if user.get("name") not in trainers():
            raise web.HTTPError(403, "the dashboard is for the trainer only")

    def table(self):
        trainees, workspace_of = trainees_and_workspaces()
        return build(trainees, workspace_of, hub_activity())


class Page(TrainerOnly):
    @web.authenticated
    def get(self) -> None:
        columns, rows = self.table()
        esc = html.escape
        head = "".join(f"<th>{esc(column)}</th>" for column in columns)
        body = []
        for row in rows:
            cells = "".join(
                f'<td class="cell" data-login="{esc(row.login)}" data-notebook="{esc(column)}">'
                f"{esc(row.cells.get(column, ''))}</td>"
                for column in columns
            )
            certificate = (
                f'<a href="certificate/{esc(row.login)}">certificate</a>' if row.certified else ""
            )
            body.append(
                f'<tr data-login="{esc(row.login)}"><th>{esc(row.name)}<br>'
                f"<small>{esc(row.login)}</small></th>{cells}"
                f'<td class="score">{esc(score_text(row.score))}</td>'
                f'<td class="passed">{esc(pass_text(row.passed))}</td>'
                f'<td class="activity">{esc(when_text(row.last_activity))}</td>'
                f'<td class="certificate">{certificate}</td>'
                f'<td class="problem">{esc(row.problem)}</td></tr>'
            )
        self.set_header("Cache-Control", "no-store")
        self.write(
            f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>Classroom progress</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #bbb; padding: .3em .6em; text-align: center; }}
td.problem {{ color: #a40000; text-align: left; }}
</style></head><body>
<h1>Classroom progress</h1>
<p>{DONE} done, {TRIED} tried and not done yet, blank: not tried.
This page refreshes every {REFRESH_SECONDS} s. <a href="progress.csv">Export as CSV</a>
· <a href="{esc(os.environ.get("JUPYTERHUB_BASE_URL", "/"))}hub/home">Hub</a></p>
<table id="progress"><thead><tr><th>trainee</th>{head}<th>score</th><th>passed</th>
<th>last activity</th><th>certificate</th><th>problem</th></tr></thead>
<tbody>{"".join(body)}</tbody></table></body></html>"""
        )


class Export(TrainerOnly):
    @web.authenticated
    def get(self) -> None:
        columns, rows = self.table()
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", 'attachment; filename="classroom-progress.csv"')
        self.write(as_csv(columns, rows))


class Certificate(TrainerOnly):
    @web.authenticated
    def get(self, login: str) -> None:
        from ..certificate import CertificateError, certificate_from_report
        from ..progress import ProgressError, read_report

        trainees, workspace_of = trainees_and_workspaces()
        if login not in {trainee.login for trainee in trainees}:
            raise web.HTTPError(404, "no such trainee")
        workspace = workspace_of(login)
        written = certificate_of(workspace)
        if written is not None:
            page = written.read_text(encoding="utf-8")
        else:
            # Made from the progress record, read-only: nothing is written for the trainee.
            try:
                page = certificate_from_report(read_report(workspace))
            except (CertificateError, ProgressError) as problem:
                raise web.HTTPError(404, str(problem)) from None
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(page)


def make_app() -> web.Application:
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    return web.Application(
        [
            (prefix, Page),
            (url_path_join(prefix, "progress.csv"), Export),
            (url_path_join(prefix, r"certificate/([a-z0-9._-]+)"), Certificate),
            (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
        ],
        cookie_secret=os.urandom(32),
    )


async def serve() -> None:
    """Serve until the hub ends the service (SIGTERM or SIGINT): then stop quietly."""
    url = urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    server = make_app().listen(url.port, url.hostname)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    await stop.wait()
    server.stop()


def main() -> None:
    asyncio.run(serve())


if __name__ == "__main__":
    main()
