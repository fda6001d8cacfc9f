"""One thread for the small model fits of the lab (k-means, gradient boosting, their predictions).

scikit-learn's k-means and histogram gradient boosting run OpenMP loops, and
numpy's BLAS runs its own threads. On the lab's tables (thousands of
customers, a dozen features) every loop is a few microseconds of work, and
each one ends at a barrier where the threads wait for each other, spinning.
On a busy or shared machine one descheduled thread stalls the others at
every barrier: measured on the 03 notebook's uplift models (5,000 customers,
20 boosting fits), 57 s of CPU and 204 s of wall time with two threads
against 3.3 s of CPU on one thread. The models are the same: the threads
split the work (features, chunks of customers), not the method, so at most
the last bit of a parallel sum can differ. Measured: the same Qini
coefficients, k-means selection table and stability indices, and unchanged
checked outputs of the notebooks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

_CONTROLLER: Any = None
Function = TypeVar("Function", bound=Callable[..., Any])


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with OpenMP and BLAS limited to one thread (restored on exit, also on errors)."""
    global _CONTROLLER
    if _CONTROLLER is None:  # inspecting the loaded libraries takes milliseconds: once per process
        # Load scikit-learn's OpenMP runtime (and scipy's BLAS) first: the controller only sees loaded libraries.
        import sklearn.utils._openmp_helpers  # noqa: F401
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1):
        yield


def single_threaded(function: Function) -> Function:
    """Decorator: ``function`` runs inside :func:`one_thread`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_thread():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
