"""idic_lab: a teaching and consulting lab for Customer Relationship Management.

The package follows the IDIC model of Peppers & Rogers (Identify,
Differentiate, Interact, Customize): one module per stage, plus the data
contracts (:mod:`idic_lab.schema`), bundled data (:mod:`idic_lab.datasets`),
a synthetic CRM world with known ground truth (:mod:`idic_lab.synth`),
exercise checks (:mod:`idic_lab.exercises`) and headline results recorded by
the notebooks (:mod:`idic_lab.results`).

Importing the package changes no global state: no pandas options, warning
filters or matplotlib styles are touched.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("idic_lab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

# The names a student types first; each stage's own names live in its module
# (idic_lab.identify, idic_lab.differentiate, idic_lab.interact, idic_lab.customize).
from idic_lab.datasets import load_dataset  # noqa: E402
from idic_lab.schema import SchemaError, clean, read_file, read_table, validate  # noqa: E402

__all__ = ["SchemaError", "__version__", "clean", "load_dataset", "read_file", "read_table", "validate"]
