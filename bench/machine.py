#!/usr/bin/env python3
"""The machine a benchmark run is on, as JSON: CPU, cores, memory, OS, date, load, and the parts the
run measures (its arguments)."""
import json
import os
import platform
import sys
import time


def field(path, key):
    try:
        for line in open(path):
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def os_name():
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()


mem = field("/proc/meminfo", "MemTotal")
print(json.dumps({
    "cpu": field("/proc/cpuinfo", "model name") or platform.processor(),
    "cores": os.cpu_count(),
    "memory_gib": round(int(mem.split()[0]) / 2**20) if mem else None,
    "os": os_name(),
    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "load_average": os.getloadavg(),
    "parts": sys.argv[1:],
}, indent=1))
