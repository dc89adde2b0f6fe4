"""The compiled PVM backend (`jamliquor_polkavm._pvm`, portable C against the CPython C API).

Optional: without a C compiler the build skips it and the plugin runs its Python backend.
Everything else about the distribution is in pyproject.toml.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "jamliquor_polkavm._pvm",
            sources=["jamliquor_polkavm/_pvm.c"],
            extra_compile_args=["-O2", "-std=c99"] if __import__("os").name != "nt" else [],
            optional=True,
        )
    ]
)
