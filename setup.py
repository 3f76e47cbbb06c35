"""The package list, which setup.cfg cannot express: telco_console and its subpackages, plus
the repository's top-level sql/ shipped inside the package as telco_console.sql (the one
source of the migrations). Everything else is declared in setup.cfg."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["telco_console", "telco_console.*"]) + ["telco_console.sql"],
    package_dir={"telco_console.sql": "sql"},
)
