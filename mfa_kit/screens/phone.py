"""The simulated Google Authenticator app: Add → Scan a QR code or Enter a setup key, and
Edit → Delete (with the app's confirmation).

Lists each entry with its code in two groups and a countdown of the seconds it has left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from ..authenticator import Authenticator, Entry
from ..clock import Clock, FixedClock, SkewedClock
from ..otp import DEFAULT_PROFILE, InvalidSecret, InvalidUri, format_code
from ..qr import QrDecodeError
from ._view import FONT, Screen, esc, on_enter, paragraph, row, screen_layout, show

Camera = Callable[[], bytes | None]
"""What the phone is pointed at: a callable returning PNG bytes (or None: nothing in view)."""

REFRESH_SECONDS = 1.0
"""With a real clock the phone redraws about once a second, like the app."""

NOTHING_TO_SCAN = "There is no QR code in front of the camera. Show the portal's QR code first."

EDIT_LABEL, DONE_LABEL = "Edit", "Done"
DELETE_LABEL = "Delete"
CONFIRM_TITLE = "Delete account?"
CONFIRM_LABEL = "Delete account"
CANCEL_LABEL = "Cancel"
CONFIRM_TEXT = (
    "Deleting {name} from this phone does not switch MFA off on the portal. If the portal "
    "still uses this entry, its codes are gone: make sure it is an old entry."
)
EDITING_TEXT = "Tap Delete next to an entry to remove it, then Done."
NOTHING_TO_DELETE = "That entry is no longer on this phone."


def fixed_clock_of(clock: Clock) -> FixedClock | None:
    """The hand-moved clock behind ``clock`` (directly, or under a skew), if there is one."""
    if isinstance(clock, FixedClock):
        return clock
    if isinstance(clock, SkewedClock):
        return fixed_clock_of(clock.base)
    return None


@dataclass
class _Row:
    """The widgets showing one entry."""

    entry: Entry
    card: Any
    name: Any
    code: Any
    countdown: Any
    delete_button: Any
    shown_code: str = ""


class PhoneScreen(Screen):
    """A narrow phone card around an :class:`~mfa_kit.authenticator.Authenticator`.

    ``camera`` returns the picture the phone is pointed at (e.g. ``lambda: profile.qr_png``).
    With a hand-moved clock the phone never ticks by itself, so runs repeat exactly; a
    clearly marked simulation control lets time pass instead. With a real clock and
    ``auto_refresh`` the codes redraw about once a second.
    """

    def __init__(
        self,
        authenticator: Authenticator,
        camera: Camera | None = None,
        *,
        auto_refresh: bool = True,
    ) -> None:
        super().__init__("mfa-phone-message")
        self.authenticator = authenticator
        self.camera = camera
        self.plain_title = f"Phone: {authenticator.app.name} (simulated)"
        self._rows: list[_Row] = []
        self._editing = False
        self._to_delete: Entry | None = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._fixed = fixed_clock_of(authenticator.clock)

        self.add_button = self._tag(
            w.Button(
                description="Add",
                icon="plus",
                button_style="primary",
                layout=w.Layout(width="80px"),
            ),
            "mfa-phone-add",
        )
        self.edit_button = self._tag(
            w.Button(description=EDIT_LABEL, icon="pencil", layout=w.Layout(width="80px")),
            "mfa-phone-edit",
        )
        self.confirm_button = self._tag(
            w.Button(
                description=CONFIRM_LABEL, button_style="danger", layout=w.Layout(width="auto")
            ),
            "mfa-phone-confirm-delete",
        )
        self.cancel_button = self._tag(
            w.Button(description=CANCEL_LABEL, layout=w.Layout(width="auto")),
            "mfa-phone-cancel-delete",
        )
        self.confirm_text = self._tag(w.HTML(""), "mfa-phone-confirm-text")
        self.scan_button = self._tag(
            w.Button(description="Scan a QR code", icon="camera", layout=w.Layout(width="auto")),
            "mfa-phone-scan",
        )
        self.setup_key_button = self._tag(
            w.Button(
                description="Enter a setup key", icon="keyboard", layout=w.Layout(width="auto")
            ),
            "mfa-phone-setup-key",
        )
        narrow = {"description_width": "70px"}
        field = w.Layout(width="100%", max_width="260px")
        self.account_field = self._tag(
            w.Text(description="Account", style=narrow, layout=field), "mfa-phone-account"
        )
        self.key_field = self._tag(
            w.Text(description="Key", style=narrow, layout=field), "mfa-phone-key"
        )
        self.key_add_button = self._tag(w.Button(description="Add"), "mfa-phone-key-add")

        self.add_button.on_click(lambda _: self.open_add_menu())
        self.edit_button.on_click(lambda _: self.done_editing() if self._editing else self.edit())
        self.confirm_button.on_click(lambda _: self.confirm_delete())
        self.cancel_button.on_click(lambda _: self.cancel_delete())
        self.scan_button.on_click(lambda _: self.scan_qr_code())
        self.setup_key_button.on_click(lambda _: self.open_setup_key_form())
        self.key_add_button.on_click(
            lambda _: self.enter_setup_key(self.account_field.value, self.key_field.value)
        )
        on_enter(
            self.key_field,
            lambda: self.enter_setup_key(self.account_field.value, self.key_field.value),
        )

        self._menu = w.VBox([self.scan_button, self.setup_key_button])
        self._key_form = w.VBox([self.account_field, self.key_field, self.key_add_button])
        self._confirm = w.VBox(
            [
                w.HTML(
                    f'<div style="{FONT}; font-weight: 600; padding-top: 4px">'
                    f"{esc(CONFIRM_TITLE)}</div>"
                ),
                self.confirm_text,
                row([self.cancel_button, self.confirm_button], justify_content="flex-end"),
            ],
            layout=w.Layout(border="1px solid #9aa0a6", padding="6px 8px", margin="4px 0"),
        )
        self._confirm.add_class("mfa-phone-confirm")
        self._list = w.VBox([])
        self._empty = w.HTML(paragraph("No accounts yet. Tap Add.", muted=True))
        title = (
            f'<div style="{FONT}; font-size: 17px; font-weight: 600; padding: 4px 0">'
            f"{esc(authenticator.app.name)}</div>"
        )
        phone = w.VBox(
            [
                w.HTML(title),
                row([self.add_button, self.edit_button]),
                self._menu,
                self._key_form,
                self._empty,
                self._list,
                self._confirm,
                self.message_area,
            ],
            layout=screen_layout(
                300, border="2px solid #3c4043", padding="10px 12px", margin="0 0 6px 0"
            ),
        )
        phone.add_class("mfa-phone")
        parts = [phone]
        if self._fixed is not None:
            self.wait_button = self._tag(
                w.Button(
                    description=f"Let {DEFAULT_PROFILE.period} s pass",
                    icon="clock",
                    layout=w.Layout(width="auto"),
                ),
                "mfa-phone-wait",
            )
            self.wait_button.on_click(lambda _: self.let_time_pass(DEFAULT_PROFILE.period))
            parts.append(
                w.VBox(
                    [
                        w.HTML(
                            paragraph(
                                "Simulation control (not part of the app): the training clock "
                                "stands still until you move it.",
                                muted=True,
                            )
                        ),
                        self.wait_button,
                    ],
                    layout=screen_layout(300, border="1px dashed #9aa0a6", padding="6px"),
                )
            )
        self.widget = w.VBox(parts)
        show(self._menu, False)
        show(self._key_form, False)
        show(self._confirm, False)
        self.refresh()
        self._ticker: threading.Thread | None = None
        if auto_refresh and self._fixed is None:
            self._ticker = threading.Thread(
                target=self._tick, name="mfa-phone-refresh", daemon=True
            )
            self._ticker.start()

    # state shown

    @property
    def codes(self) -> list[tuple[str, str]]:
        """(entry name, code as shown, e.g. "123 456") for each entry, top to bottom."""
        with self._lock:
            return [(row.entry.name, row.shown_code) for row in self._rows]

    @property
    def countdowns(self) -> list[int]:
        """Seconds left on each entry's countdown bar, as shown."""
        with self._lock:
            return [row.countdown.value for row in self._rows]

    @property
    def editing(self) -> bool:
        """Whether the list is in edit mode (a Delete button beside each entry)."""
        return self._editing

    @property
    def asking_to_delete(self) -> Entry | None:
        """The entry the confirmation asks about, or None when no confirmation is open."""
        return self._to_delete

    @property
    def delete_buttons(self) -> list[Any]:
        """Each entry's Delete button, top to bottom (shown only while editing)."""
        with self._lock:
            return [row.delete_button for row in self._rows]

    @property
    def text(self) -> str:
        """What the phone shows now, as plain text (for notebook output)."""
        with self._lock:
            lines = [self.authenticator.app.name + (" (editing)" if self._editing else "")]
            delete = f"  [{DELETE_LABEL}]" if self._editing else ""
            lines += [
                f"{row.entry.name}  {row.shown_code}  ({row.countdown.value} s left){delete}"
                for row in self._rows
            ] or ["(no accounts)"]
            if self._to_delete is not None:
                lines += [
                    f"{CONFIRM_TITLE} {CONFIRM_TEXT.format(name=self._to_delete.name)}",
                    f"[{CANCEL_LABEL}] [{CONFIRM_LABEL}]",
                ]
        return "\n".join([*lines, *self._message_lines()])

    # actions (the buttons call exactly these)

    def open_add_menu(self) -> None:
        """The + (Add) button: offers Scan a QR code and Enter a setup key."""
        show(self._menu, self._menu.layout.display == "none")
        show(self._key_form, False)

    def open_setup_key_form(self) -> None:
        """Enter a setup key: shows the Account and Key fields."""
        show(self._menu, False)
        show(self._key_form, True)

    def scan_qr_code(self, picture: bytes | None = None) -> Entry | None:
        """Scan a QR code: decode the picture in front of the camera (or ``picture``).

        Returns the new entry, or None when nothing could be added (the message says why).
        """
        show(self._menu, False)
        if picture is None and self.camera is not None:
            picture = self.camera()
        if picture is None:
            self._say(NOTHING_TO_SCAN, "error")
            return None
        try:
            entry = self.authenticator.scan_qr_code(picture)
        except QrDecodeError as error:
            return self._could_not_add(f"Could not read a QR code: {error}.")
        except InvalidUri as error:
            return self._could_not_add(f"This QR code is not an authenticator account: {error}.")
        except InvalidSecret as error:
            return self._could_not_add(f"This QR code's key cannot be used: {error}.")
        except ValueError as error:
            return self._could_not_add(f"This QR code cannot be added: {error}.")
        return self._added(entry)

    def enter_setup_key(self, account: str, key: str) -> Entry | None:
        """Enter a setup key: add an entry from a typed account name and key."""
        try:
            entry = self.authenticator.enter_setup_key(account, key)
        except InvalidSecret as error:
            return self._could_not_add(f"The key is not valid: {error}.")
        self.account_field.value = ""
        self.key_field.value = ""
        show(self._key_form, False)
        return self._added(entry)

    def edit(self) -> None:
        """Edit: each entry gets a Delete button (the app's edit mode)."""
        show(self._menu, False)
        show(self._key_form, False)
        self._editing = True
        self.edit_button.description = DONE_LABEL
        self.edit_button.icon = "check"
        self._show_delete_buttons()
        self._say(EDITING_TEXT)

    def done_editing(self) -> None:
        """Done: leave edit mode (an open confirmation is cancelled)."""
        self._close_confirmation()
        self._editing = False
        self.edit_button.description = EDIT_LABEL
        self.edit_button.icon = "pencil"
        self._show_delete_buttons()
        self._say("")

    def ask_to_delete(self, entry: Entry | int) -> None:
        """Delete beside an entry (or the entry at that position, 0 = top): the app asks first.

        Nothing is deleted until :meth:`confirm_delete`.
        """
        if isinstance(entry, int):
            entry = self.authenticator.entries[entry]
        if not self._editing:
            self.edit()
        self._to_delete = entry
        self._mark(entry)
        self.confirm_text.value = paragraph(CONFIRM_TEXT.format(name=entry.name))
        show(self._confirm, True)
        self._say("")

    def confirm_delete(self) -> Entry | None:
        """Delete account, in the confirmation: the entry leaves the phone. Returns it, or None
        when no confirmation was open or the entry had already gone."""
        entry = self._to_delete
        self._close_confirmation()
        if entry is None:
            return None
        try:
            self.authenticator.delete(entry)
        except ValueError:
            self._say(NOTHING_TO_DELETE, "error")
            return None
        self.refresh()
        self._say(f"Account deleted: {entry.name}.", "ok")
        return entry

    def cancel_delete(self) -> None:
        """Cancel, in the confirmation: nothing is deleted."""
        self._close_confirmation()
        self._say(EDITING_TEXT if self._editing else "")

    def freeze(self) -> PhoneScreen:
        """Keep the phone as it is now, Delete buttons included (see Screen.freeze)."""
        super().freeze()
        for each in self._rows:
            each.delete_button.disabled = True
        return self

    def refresh(self) -> None:
        """Redraw every entry's code and countdown from the phone's clock now."""
        with self._lock:
            entries = self.authenticator.entries
            if [id(row.entry) for row in self._rows] != [id(entry) for entry in entries]:
                self._rows = [self._make_row(entry) for entry in entries]
                self._list.children = [row.card for row in self._rows]
                show(self._empty, not self._rows)
                self._show_delete_buttons()
            for row in self._rows:
                self._draw(row)

    def let_time_pass(self, seconds: float = DEFAULT_PROFILE.period) -> None:
        """Simulation only: move the training clock on, then redraw."""
        if self._fixed is None:
            raise RuntimeError("this phone runs on a real clock; time passes by itself")
        self._fixed.advance(seconds)
        self.refresh()

    @property
    def ticking(self) -> bool:
        """Whether the phone redraws by itself (only ever with a real clock)."""
        return self._ticker is not None and self._ticker.is_alive()

    def stop(self) -> None:
        """Stop redrawing by itself (a real-clock phone); waits for the last redraw to end."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()

    # helpers

    def _mark(self, entry: Entry | None) -> None:
        """Frame the entry the confirmation asks about (two entries can share a name)."""
        for each in self._rows:
            each.card.layout.border = "2px solid #c5221f" if each.entry is entry else None

    def _close_confirmation(self) -> None:
        self._mark(None)
        self._to_delete = None
        self.confirm_text.value = ""
        show(self._confirm, False)

    def _show_delete_buttons(self) -> None:
        for each in self._rows:
            show(each.delete_button, self._editing)

    def _added(self, entry: Entry) -> Entry:
        self.refresh()
        self._say(f"Account added: {entry.name}.", "ok")
        return entry

    def _could_not_add(self, text: str) -> None:
        self._say(text, "error")
        return None

    def _make_row(self, entry: Entry) -> _Row:
        name = w.HTML(
            f'<div style="{FONT}"><b>{esc(entry.issuer)}</b> '
            f'<span style="color: #5f6368">{esc(entry.account)}</span></div>'
        )
        code = w.HTML("")
        code.add_class("mfa-phone-code")
        countdown = w.IntProgress(
            value=0, min=0, max=entry.profile.period, layout=w.Layout(width="200px")
        )
        countdown.add_class("mfa-phone-countdown")
        delete = w.Button(
            description=DELETE_LABEL,
            icon="trash",
            button_style="danger",
            layout=w.Layout(width="auto"),
        )
        delete.add_class("mfa-phone-delete")
        delete.on_click(lambda _: self.ask_to_delete(entry))
        card = w.VBox(
            [name, code, countdown, row([delete], justify_content="flex-end")],
            layout=w.Layout(border_bottom="1px solid #e0e0e0", padding="4px 0"),
        )
        card.add_class("mfa-phone-entry")
        return _Row(entry, card, name, code, countdown, delete)

    def _draw(self, row: _Row) -> None:
        shown = format_code(row.entry.code())
        left = row.entry.seconds_left()
        row.shown_code = shown
        row.code.value = (
            f'<div style="{FONT}; font-size: 30px; color: #1a73e8; letter-spacing: 3px">'
            f"{esc(shown)}</div>"
        )
        row.countdown.value = left
        row.countdown.description = f"{left} s"
        # The real app turns the timer red in the last seconds: a cue to wait for the next code.
        row.countdown.bar_style = "danger" if left <= 5 else "info"

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            self.refresh()
