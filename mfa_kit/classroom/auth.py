"""The hub's login: a per-login password (scrypt) and, when the class uses it, a Security code.

Why this authenticator: JupyterHub 6 ships no password store of its own (NativeAuthenticator is
a separate package and would let anyone sign up), and a shared password cannot tell trainees
apart. The roster is known before the class, so every login gets a first password and a TOTP
setup key from ``mfa-kit classroom start``; the hub then asks for the Security code exactly as
the Stratus portal does, with the kit's own TOTP verifier: a code is accepted once (RFC 6238
§5.2), one step either side, and repeated failures lock the login for a while.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from jupyterhub.auth import Authenticator
from traitlets import Unicode

from ..otp import MalformedCode, Totp, normalise_code
from ..passwords import verify_password
from ..policy import DEFAULT_POLICY
from .state import write_private


class ClassroomAuthenticator(Authenticator):
    """Logins from the classroom's accounts file (scrypt hashes, TOTP secrets, used steps)."""

    accounts_file = Unicode(help="accounts.json of the classroom's state folder").tag(config=True)
    accounts_key = Unicode(help="the key the TOTP secrets are sealed with (0600)").tag(config=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._failures: dict[str, list[float]] = {}

    def _accounts(self) -> dict:
        return json.loads(Path(self.accounts_file).read_text(encoding="utf-8"))

    def _locked(self, login: str, now: float) -> bool:
        recent = [
            at for at in self._failures.get(login, []) if now - at < DEFAULT_POLICY.lockout_seconds
        ]
        self._failures[login] = recent
        return len(recent) >= DEFAULT_POLICY.max_failures

    def check_login(self, login: str, password: str, code: str, now: float) -> bool:
        """Whether this login, password and Security code let someone in now (and if so, the
        code's time step is remembered so the same code never works twice)."""
        if self._locked(login, now):
            self.log.warning("login %s is locked after repeated failures", login)
            return False
        accounts = self._accounts()
        account = accounts.get(login)
        # An unknown login costs the same scrypt time as a wrong password.
        stored = account["password"] if account else _UNKNOWN
        ok = verify_password(password or "", stored) and account is not None
        if ok and account.get("totp"):
            ok = self._code_ok(account, self._secret(login, account), code, now)
        if not ok:
            self._failures.setdefault(login, []).append(now)
            return False
        self._failures.pop(login, None)
        write_private(Path(self.accounts_file), json.dumps(accounts, indent=1) + "\n")
        return True

    def _secret(self, login: str, account: dict) -> str:
        from ..vault import Vault, read_key

        return Vault(read_key(Path(self.accounts_key))).open(account["totp"], login, "totp")

    @staticmethod
    def _code_ok(account: dict, secret: str, code: str, now: float) -> bool:
        try:
            typed = normalise_code(code or "")
        except MalformedCode:
            return False
        step = Totp(secret).verify(typed, now, window=DEFAULT_POLICY.window_steps)
        last = account.get("last_step")
        if step is None or (last is not None and step <= last):
            return False
        account["last_step"] = step
        return True

    async def authenticate(self, handler, data: dict) -> str | None:
        login = self.normalize_username((data or {}).get("username", ""))
        if self.check_login(login, data.get("password", ""), data.get("otp", ""), time.time()):
            return login
        return None


_UNKNOWN = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
