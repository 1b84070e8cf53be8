"""Package discovery that pyproject.toml alone cannot say.

server/ must install under the import name ``cloudide_server`` (a bare top-level
``server`` module in site-packages would clash with anything else called that), so its
sub-packages are found in server/ and renamed; runner/ ships as the data-only package
``cloudide_tui.runner`` (pyproject.toml maps the folders and lists the files).
"""

from setuptools import find_packages, setup

server_packages = ["cloudide_server"] + [
    f"cloudide_server.{name}" for name in find_packages("server")
]
setup(
    packages=[
        *find_packages(include=["cloudide_tui", "cloudide_tui.*"]),
        "cloudide_tui.runner",
        *server_packages,
    ]
)
