"""Every plot of the lab: ``plot_x(data, *, ..., ax=None) -> Axes``.

One private module per IDIC stage keeps the code beside its subject; all
public functions are re-exported here so notebooks write
``from idic_lab.plotting import plot_lorenz``. No function calls
``plt.show()`` or changes global matplotlib state.
"""

from idic_lab.plotting._differentiate import *  # noqa: F401,F403
from idic_lab.plotting._frameworks import *  # noqa: F401,F403
from idic_lab.plotting._identify import *  # noqa: F401,F403
from idic_lab.plotting._interact import *  # noqa: F401,F403
from idic_lab.plotting._customize import *  # noqa: F401,F403
