"""The PDF adapter (pdfplumber or PDFium text and rulings; camelot as an alternative engine)."""
