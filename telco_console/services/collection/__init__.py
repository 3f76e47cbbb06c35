"""Data collection: records logged at the prompt (manual), CDR/xDR file imports (parsers,
importer) and unmatched records re-processing (unmatched)."""
