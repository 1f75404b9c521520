"""The scanned-page adapter (OpenCV ruling detection, photo squaring, OCR of cell crops)."""
