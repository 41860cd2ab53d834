"""What the portal says when it refuses something.

Every refusal is a PortalError whose message is the sentence a person reads on the portal
screen; ``reason`` is the short name the audit trail and the diagnosis use.
"""

from __future__ import annotations


class PortalError(Exception):
    """A refusal by the portal; ``str(error)`` is what the screen shows."""

    reason = "refused"
    attempts_left: int | None = None
    """For a counted failure: tries left before the account locks."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingInput(PortalError):
    """A field was left empty: the portal asks for it. Never counted as a failure."""

    reason = "missing_input"


class InvalidInput(PortalError):
    """What was typed cannot be a Login Name, Password or code (too long, unreadable
    characters). Never counted as a failure, and nothing is written."""

    reason = "invalid_input"


class AccountNotFound(PortalError):
    """An agent looked up a Login Name that has no account."""

    reason = "no_such_account"


class AccountExists(PortalError):
    reason = "account_exists"


class InvalidAccountDetails(PortalError):
    reason = "invalid_details"


class LoginFailed(PortalError):
    """Wrong Login Name or Password; deliberately the same message for both."""

    reason = "wrong_password"


class AccountLocked(PortalError):
    """Too many failures in a row; ``until`` is the Unix time the lock ends."""

    reason = "locked"

    def __init__(self, message: str, until: float) -> None:
        super().__init__(message)
        self.until = until


class MfaNotEnabled(PortalError):
    reason = "mfa_not_enabled"


class NoSetupInProgress(PortalError):
    reason = "no_setup_in_progress"


class WrongCurrentPassword(PortalError):
    reason = "wrong_current_password"


class MfaLoginRequired(PortalError):
    """Replacing an authenticator in force needs a login that passed the Security code."""

    reason = "mfa_login_required"


class LoginTimedOut(PortalError):
    reason = "login_timed_out"


class NotTheMfaLogin(PortalError):
    """Log in with Google was chosen; it is a different sign-in, not the MFA path."""

    reason = "google_login"


class CodeRejected(PortalError):
    """A Passcode or Security code was refused."""

    reason = "invalid_code"


class MalformedSecurityCode(CodeRejected):
    reason = "malformed_code"


class InvalidCode(CodeRejected):
    reason = "invalid_code"


class CodeExpired(CodeRejected):
    reason = "expired_code"


class CodeAlreadyUsed(CodeRejected):
    reason = "reused_code"
