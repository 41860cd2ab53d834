"""The config file `mfa-kit classroom start` hands to JupyterHub (``jupyterhub -f``)."""

from mfa_kit.classroom.hub import configure_from_environment

configure_from_environment(get_config())  # noqa: F821 (JupyterHub defines get_config)
