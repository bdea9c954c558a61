"""The bundle's entry point (PyInstaller): the same `main` as `python -m visualnet`."""

import multiprocessing
import sys

from visualnet.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
