"""mfa-kit: training and support runbook for MFA (TOTP, Google Authenticator) on the Stratus Web Portal.

Importing the package stays light: widgets, imaging and Jupyter load only where used.
"""

__version__ = "0.1.0"
