"""Draw notebooks/images/overview.png, the picture in the README and in 00_start_here.

Run: ``.venv/bin/python notebooks/images/make_overview.py``. Three panels from
the bundled data, one per question the lab answers first: how concentrated
is customer value (CDNOW, Lorenz curve), does the purchase model forecast a
holdout (CDNOW sample, Fader, Hardie & Lee's 39 + 39 weeks), and which CRM
model covers which capability (the crosswalk).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from idic_lab import differentiate as dif  # noqa: E402
from idic_lab import frameworks  # noqa: E402
from idic_lab.datasets import load_dataset  # noqa: E402
from idic_lab.plotting import plot_crosswalk, plot_lorenz, plot_tracking  # noqa: E402

TARGET = Path(__file__).with_name("overview.png")


def main() -> None:
    cdnow = load_dataset("cdnow")
    spend = dif.rfm_scores(dif.rfm_summary(cdnow, observation_end="1998-06-30", definition="rfm"))["total_value"]
    sample = load_dataset("cdnow_sample")
    split = dif.calibration_holdout_split(
        sample, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W"
    )
    models, _ = dif.fit_purchase_models(split.summary, names=["BG/NBD", "Pareto/NBD"])

    fig = plt.figure(figsize=(16, 4.6), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1, 1.2, 2.2])
    lorenz = plot_lorenz(dif.lorenz_curve(spend), gini=dif.gini(spend), ax=fig.add_subplot(grid[0]))
    lorenz.set_title("Differentiate: value is concentrated (CDNOW)")
    tracking = plot_tracking(dif.tracking_table(sample, split, models), ax=fig.add_subplot(grid[1]))
    tracking.set_title("CLV models forecast a holdout (CDNOW sample)")
    plot_crosswalk(frameworks.crosswalk(), ax=fig.add_subplot(grid[2]),
                   title="Six CRM models: which covers which capability")
    fig.savefig(TARGET, dpi=90)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
