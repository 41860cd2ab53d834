"""The look shared by every screen: escaped HTML pieces, message boxes and display plumbing.

Anything a person typed or a portal returned goes through :func:`esc` before it reaches HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, Literal

from ..errors import PortalError

PORTAL_NAME = "Stratus Web Portal"

Kind = Literal["info", "ok", "error"]
_COLOURS: dict[str, str] = {"info": "#24415f", "ok": "#1b6e35", "error": "#a0001c"}
_BACKGROUNDS: dict[str, str] = {"info": "#eef3f8", "ok": "#e8f5ec", "error": "#fdecee"}
FONT = "font-family: 'Segoe UI', Helvetica, Arial, sans-serif; line-height: 1.4"
BORDER = "1px solid #c8d1dc"
BRAND = "#1f3a5f"
"""The portal's dark blue: top bar and headings."""


def esc(text: object) -> str:
    """``text`` made safe to place inside HTML (quotes included)."""
    return html.escape(str(text), quote=True)


def heading(text: str, level: int = 3) -> str:
    return f'<h{level} style="{FONT}; margin: 4px 0 8px 0; color: {BRAND}">{esc(text)}</h{level}>'


def paragraph(text: str, muted: bool = False) -> str:
    colour = "#5a6470" if muted else "#222"
    return f'<div style="{FONT}; color: {colour}; margin: 2px 0 6px 0">{esc(text)}</div>'


def banner(title: str) -> str:
    """The dark bar across the top of every portal page."""
    return (
        f'<div style="{FONT}; background: {BRAND}; color: white; padding: 8px 12px; '
        f'font-weight: 600; letter-spacing: 0.3px">{esc(title)}</div>'
    )


def message_html(text: str, kind: Kind = "info", note: str = "") -> str:
    """A coloured message box; empty text shows nothing."""
    if not text:
        return ""
    extra = f'<div style="font-size: 90%; margin-top: 4px">{esc(note)}</div>' if note else ""
    return (
        f'<div style="{FONT}; color: {_COLOURS[kind]}; background: {_BACKGROUNDS[kind]}; '
        f'border-left: 4px solid {_COLOURS[kind]}; padding: 6px 10px; margin: 6px 0">'
        f"{esc(text)}{extra}</div>"
    )


def attempts_note(error: PortalError) -> str:
    """The portal's count of tries left after a counted failure, as a sentence (or "")."""
    left = error.attempts_left
    if left is None:
        return ""
    tries = "attempt" if left == 1 else "attempts"
    return f"{left} more failed {tries} before the account locks."


def show(widget: Any, visible: bool) -> None:
    """Show or hide a widget without removing it from the page."""
    widget.layout.display = None if visible else "none"


SUBMIT_EVENT = {"event": "submit"}
"""What a text box's front end sends when Enter is pressed in it (ipywidgets 7 and 8)."""


def on_enter(box: Any, action: Callable[[], object]) -> None:
    """Run ``action`` when Enter is pressed in the text box ``box``, as a form submits.

    The box keeps ``continuous_update`` on, so its value reaches the kernel with each
    keystroke, before the Enter that follows; the deprecated ``Text.on_submit`` is not used.
    """

    def _received(_widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == SUBMIT_EVENT["event"]:
            action()

    box.on_msg(_received)


def press_enter(box: Any) -> None:
    """Press Enter in ``box``: the very message a browser sends, through the widget's own
    message handling (how tests and notebooks press Enter without a browser)."""
    box._handle_msg(
        {"content": {"data": {"method": "custom", "content": dict(SUBMIT_EVENT)}}, "buffers": []}
    )


def screen_layout(max_width: int, **more: str) -> Any:
    """A screen's outer box: as wide as the page allows, never more than ``max_width``
    pixels, so a narrow notebook column (a side panel open) shrinks it instead of clipping."""
    import ipywidgets as w

    return w.Layout(width="100%", max_width=f"{max_width}px", **more)


def row(children: list[Any], **more: str) -> Any:
    """A row of controls that wraps onto the next line when the screen is too narrow."""
    import ipywidgets as w

    return w.HBox(children, layout=w.Layout(flex_flow="row wrap", **more))


def side_by_side(*screens: Any) -> Any:
    """Screens next to each other where the page is wide enough, one under the other where
    it is not (e.g. the Log In page and the phone)."""
    import ipywidgets as w

    widgets = [getattr(screen, "widget", screen) for screen in screens]
    for widget in widgets:
        widget.layout.margin = "0 12px 8px 0"
    return w.HBox(widgets, layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))


class Screen:
    """Base of every screen: a message area, tagged controls and notebook display.

    ``widget`` is the ipywidgets container to display; ``display(screen)`` shows it with a
    short, stable text/plain so executed notebooks compare the same on every run.
    """

    plain_title = "screen"
    widget: Any

    def __init__(self, message_class: str) -> None:
        import ipywidgets as w

        self._controls: dict[str, Any] = {}
        self._message = ""
        self._note = ""
        self._error: PortalError | None = None
        self.message_area = self._tag(w.HTML(""), message_class)

    # controls

    def _tag(self, widget: Any, css_class: str) -> Any:
        """Give ``widget`` its stable CSS class (browser tests find it by that name)."""
        widget.add_class(css_class)
        self._controls[css_class] = widget
        return widget

    def control(self, css_class: str) -> Any:
        """The widget carrying an agreed CSS class, e.g. ``control("mfa-login-name")``."""
        try:
            return self._controls[css_class]
        except KeyError:
            known = ", ".join(sorted(self._controls))
            raise KeyError(f"{css_class!r} is not on this screen; it has {known}") from None

    # a picture of one moment

    @property
    def frozen(self) -> bool:
        """Whether :meth:`freeze` made this screen a picture of one moment."""
        return getattr(self, "_frozen", False)

    def freeze(self) -> Screen:
        """Keep this screen as it is now: every button and field stops responding, so a
        screen shown to explain a moment cannot be changed by a click afterwards (a live
        screen for the trainee to act on is a separate object). Returns the screen."""
        self._frozen = True
        for control in self._controls.values():
            if hasattr(control, "disabled"):
                control.disabled = True
        self.widget.add_class("mfa-snapshot")
        return self

    # messages

    @property
    def message(self) -> str:
        """Plain text of the last message shown ("" when none)."""
        return self._message

    @property
    def error(self) -> PortalError | None:
        """The portal's refusal behind the message, or None after a success."""
        return self._error

    def _say(self, text: str, kind: Kind = "info", note: str = "") -> None:
        self._message, self._note, self._error = text, note, None
        self.message_area.value = message_html(text, kind, note)

    def _refused(self, error: PortalError) -> None:
        self._say(str(error), "error", attempts_note(error))
        self._error = error

    def _message_lines(self) -> list[str]:
        return [line for line in (self._message, self._note) if line]

    # display

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        # The widget's own text/plain lists every child and changes with the model; keep ours.
        bundle["text/plain"] = self.plain_title
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self) -> str:
        return f"<{self.plain_title}>"
