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

import warnings

__all__ = ["IdicLabWarning", "warn"]


class IdicLabWarning(UserWarning):
    """A result of idic_lab that is computed but doubtful; the message says why and what to do."""


def warn(message: str, *, stacklevel: int = 2) -> None:
    """Issue an :class:`IdicLabWarning` attributed to the caller of the function that warns.

    Parameters
    ----------
    message : str
        What is doubtful, how much of the data it affects, and what to do.
    stacklevel : int
        As in :func:`warnings.warn`, counted from the function calling ``warn``.
    """
    warnings.warn(message, IdicLabWarning, stacklevel=stacklevel + 1)
