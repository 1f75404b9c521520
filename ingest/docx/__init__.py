"""The DOCX adapter (python-docx)."""
