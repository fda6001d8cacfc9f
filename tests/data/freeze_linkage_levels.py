"""Freeze the candidate pairs and agreement levels of the recordlinkage-based engine.

Run once, at commit d9e9b29 (before the vectorised engine replaced it):
``python tests/data/freeze_linkage_levels.py``. It writes
``tests/data/linkage_levels_before.npz``, which tests/test_identify_engine.py
compares the new engine against (pairs and levels must be identical).

Per data set it stores the candidate pairs as record positions (``i``, ``j``)
and the levels of every field, for the blocked pairs and for 20,000 random
pairs (which reach the low levels that blocking rarely proposes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from idic_lab.datasets import load_dataset
from idic_lab.identify import CUSTOMER_BLOCKING, CUSTOMER_FIELDS, FEBRL_BLOCKING, FEBRL_FIELDS
from idic_lab.identify import candidate_pairs, compare_pairs

OUT = Path(__file__).with_name("linkage_levels_before.npz")


def cases():
    for name in ("febrl4", "febrl3"):
        data = load_dataset(name)
        yield name, data.records, data.records_b, FEBRL_FIELDS, FEBRL_BLOCKING
    world = load_dataset("synthetic", n_customers=3000, seed=0)
    yield "synthetic", world.customers.set_index("customer_id"), None, CUSTOMER_FIELDS, CUSTOMER_BLOCKING


def positions(records, ids):
    return pd.Index(records.index).get_indexer(ids).astype(np.int32)


def main() -> None:
    arrays = {}
    rng = np.random.default_rng(13)
    for name, left, right, fields, blocking in cases():
        other = right if right is not None else left
        pairs = candidate_pairs(left, right, blocking=blocking, kinds=fields)
        random_i = rng.integers(0, len(left), 20_000)
        random_j = rng.integers(0, len(other), 20_000)
        keep = random_i != random_j if right is None else np.ones(len(random_i), bool)
        random_pairs = pd.DataFrame({"id_1": left.index[random_i[keep]], "id_2": other.index[random_j[keep]]})
        for label, frame in (("blocked", pairs), ("random", random_pairs)):
            levels = compare_pairs(left, right, frame, fields=fields)
            arrays[f"{name}/{label}/i"] = positions(left, frame["id_1"])
            arrays[f"{name}/{label}/j"] = positions(other, frame["id_2"])
            arrays[f"{name}/{label}/levels"] = levels[list(fields)].to_numpy(dtype=np.int8)
            print(name, label, len(frame), np.unique(arrays[f"{name}/{label}/levels"], return_counts=True))
    np.savez_compressed(OUT, **arrays)
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
