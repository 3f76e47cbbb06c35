"""The SQL migrations (migrations/NNN_name.sql), installed as the package telco_console.sql and
read with importlib.resources (telco_console/resources.py)."""
