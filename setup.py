"""The compiled part of dedup (dedup/overlap.pyx); everything else is declared in pyproject.toml."""

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

overlap = Extension(
    "dedup.overlap",
    ["dedup/overlap.pyx"],
    include_dirs=[np.get_include()],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    # No contracted multiply-adds: a dot product adds the same rounded products on every machine.
    extra_compile_args=["-ffp-contract=off"],
)
setup(ext_modules=cythonize([overlap]))
