"""The web-page adapter (HTML and MHTML, pictures read as scans)."""
