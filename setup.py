"""Build of the optional compiled kernel; everything else is in pyproject.toml.

``copydesk._sketch`` (src/copydesk/_sketch.c) computes MinHash signatures about twice as fast as
the numpy path and bit-identically. It is ``optional``: where it cannot be compiled (no C
compiler, no Python headers) the install still succeeds and copydesk uses numpy. Set
``COPYDESK_NO_EXT=1`` to skip building it, or at run time to ignore a built one;
``python -c "import copydesk.sketch as s; print(s.KERNEL)"`` says which one is in use.
"""

import os
import sys

from setuptools import Extension, setup

ext_modules = []
if os.environ.get("COPYDESK_NO_EXT", "") in ("", "0"):
    ext_modules.append(Extension(
        "copydesk._sketch",
        sources=["src/copydesk/_sketch.c"],
        # Portable flags only (no -march=native): the same build may run on another machine.
        extra_compile_args=[] if sys.platform == "win32" else ["-O3", "-std=c99"],
        optional=True,
    ))

setup(ext_modules=ext_modules)
