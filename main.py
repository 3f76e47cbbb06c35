"""Thin entry point: `python main.py` runs the console exactly like `telco-console`."""
from telco_console.app import main

if __name__ == "__main__":
    raise SystemExit(main())
