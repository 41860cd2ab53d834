"""mfa-kit: MFA training and support runbook for the Stratus Web Portal (Google Authenticator).

Importing the package stays light: widgets, imaging and Jupyter load only where used.
"""

__version__ = "0.1.0"
