"""Widget screens that look like the Stratus Web Portal and the Google Authenticator app.

Each screen is a thin view (ipywidgets, loaded only when a screen module is imported): it reads
widget values, calls the portal or the phone, and shows the result. Every button is also a
plain method, so tests and notebooks drive the screens without a browser:

- :class:`mfa_kit.screens.login.LoginScreen` — Login Name, Password, Log In, Security code.
- :class:`mfa_kit.screens.profile.ProfileScreen` — Profile → Change Account Security.
- :class:`mfa_kit.screens.agent.AgentConsole` — the Technical Support Agent's console.
- :class:`mfa_kit.screens.phone.PhoneScreen` — the simulated Google Authenticator.
"""
