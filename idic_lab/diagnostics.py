"""Warnings of our own: a result was computed, but it should not be read without the reason.

Used by every IDIC stage. A *warning* here is not noise: it marks a result
that looks like a result but is degenerate or doubtful (a model that did not
converge, RFM scores that cannot separate tied customers, a segment too small
to trust). Refusals are errors (``ValueError``/``TypeError``, or
:class:`idic_lab.schema.SchemaError` for table contracts); warnings are for
results we still return because they are useful with the caveat.

Filter them like any warning, e.g.
``warnings.simplefilter("error", IdicLabWarning)`` to stop on the first.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["IdicLabWarning", "warn"]


class IdicLabWarning(UserWarning):
    """A result of idic_lab that is computed but doubtful; the message says why and what to do."""


def _first_frame_outside_package() -> int:
    """The stack level of the first caller outside idic_lab, counted from :func:`warn`'s caller."""
    frame, level = sys._getframe(2), 2  # level 1 is warn's caller, inside idic_lab
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "idic_lab":
        frame, level = frame.f_back, level + 1
    return level


def warn(message: str, *, stacklevel: int | None = None) -> None:
    """Issue an :class:`IdicLabWarning` attributed to the user's line.

    Parameters
    ----------
    message : str
        What is doubtful, how much of the data it affects, and what to do.
    stacklevel : int, optional
        As in :func:`warnings.warn`, counted from the function calling
        ``warn``. Default: the first caller outside idic_lab, so a warning
        raised deep inside the package points at the notebook or script line
        that called it, and Python's "once per location" rule applies there.
    """
    level = _first_frame_outside_package() if stacklevel is None else stacklevel + 1
    warnings.warn(message, IdicLabWarning, stacklevel=level)
