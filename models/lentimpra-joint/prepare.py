#!/usr/bin/env python3
"""Builds the training table of the `lentimpra-joint` model: `regula-train join-tables` over the
recipes of hepg2-legnet and wtc11-legnet, so each table is read and split exactly as those models
were (a `hepg2` and a `wtc11` target column, empty where a sequence was not measured in that cell
line; one row per sequence; a `split` column keeping every single-task test row in the test part).

    models/lentimpra-joint/prepare.py
    (from the repository root, where train.toml expects target/lentimpra-joint/joint.tsv; the
    binary is $REGULA_TRAIN, default target/release/regula-train, as scripts/verify-models.py)
"""
import os
import subprocess
import sys


def main() -> None:
    binary = os.environ.get("REGULA_TRAIN", "target/release/regula-train")
    subprocess.run([binary, "join-tables",
                    "--config", "models/hepg2-legnet/train.toml",
                    "--config", "models/wtc11-legnet/train.toml",
                    "--names", "hepg2,wtc11",
                    "--to", "target/lentimpra-joint/joint.tsv", "--force"], check=True)


if __name__ == "__main__":
    sys.exit(main())
