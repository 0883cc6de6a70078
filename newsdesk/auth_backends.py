"""Login throttling (django-axes) for logins that come from the web."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check, for authentications that come with a request.

    Axes refuses (raises) when `authenticate()` is called without a request: the test
    client's `login()`, a shell, a script. Those come from no IP address and are not the
    brute force it guards against, so they pass straight on to the ModelBackend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
