#!/usr/bin/env python3
"""Builds the table that `lentimpra-joint-fast` and `lentimpra-joint-fast-ensemble` read: the same
joined table as lentimpra-joint's (target/lentimpra-joint/joint.tsv), by its prepare.py."""
import runpy

if __name__ == "__main__":
    runpy.run_path("models/lentimpra-joint/prepare.py", run_name="__main__")
